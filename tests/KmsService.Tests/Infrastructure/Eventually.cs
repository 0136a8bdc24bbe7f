using System.Diagnostics;

namespace KmsService.Tests.Infrastructure;

/// <summary>Waits for a condition that a background task makes true (the change feed listening, an outage noticed),
/// polling every 10 ms, and fails the test saying what it waited for when it is not true in time.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var limit = within ?? DefaultLimit;
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < limit, $"timed out after {limit} waiting for {what}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Calls <paramref name="probe"/> until <paramref name="done"/> holds for its answer, and returns that
    /// answer; the last answer is in the failure message.</summary>
    public static async Task<T> ResultAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? within = null)
    {
        var limit = within ?? DefaultLimit;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var answer = await probe();
            if (done(answer))
            {
                return answer;
            }

            Assert.True(watch.Elapsed < limit, $"timed out after {limit} waiting for {what}; last answer: {answer}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
