namespace KmsService.Lifecycle;

/// <summary>A background job that sweeps the store once a minute of the injected clock (key deletion, rotation).
/// A failed sweep is logged and retried on the next tick; instances sharing a database may all run it, so each
/// sweep must claim what it changes.</summary>
internal abstract class SweepService(TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>The service's clock (the lifecycle clock that tests move forward).</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>One sweep; returns the ARNs of the keys this instance changed.</summary>
    public abstract Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct);

    protected abstract void OnSweepFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A failed sweep (database unavailable, …) is retried on the next tick.
                OnSweepFailed(e);
            }

            // A delay rather than a PeriodicTimer: when the clock jumps (a fake clock moved by days in tests), one
            // sweep catches up with everything due, where a periodic timer would replay every missed tick.
            await Task.Delay(Interval, Time, stoppingToken);
        }
    }
}
