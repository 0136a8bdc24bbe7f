using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>A background job that sweeps the store once a minute of the injected clock (key deletion, rotation).
/// A failed sweep is retried on the next tick, and logged unless the store is out (<see cref="StoreOutage"/> logs an
/// outage once, not once a minute per sweep); instances sharing a database may all run it, so each sweep must claim
/// what it changes.</summary>
internal abstract class SweepService(TimeProvider time, StoreOutage outage) : BackgroundService
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
                // A failed sweep is retried on the next tick; a store outage is the outage's to log.
                if (!outage.Notice(e))
                {
                    OnSweepFailed(e);
                }
            }

            // A delay rather than a PeriodicTimer: when the clock jumps (a fake clock moved by days in tests), one
            // sweep catches up with everything due, where a periodic timer would replay every missed tick.
            await WaitForNextSweepAsync(stoppingToken);
        }
    }

    /// <summary>Waits until the next sweep is due: <see cref="Interval"/> of the service's clock.</summary>
    protected virtual Task WaitForNextSweepAsync(CancellationToken ct) => Task.Delay(Interval, Time, ct);
}
