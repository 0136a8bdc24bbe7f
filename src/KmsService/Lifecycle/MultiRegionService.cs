using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>Ends the transient states of multi-Region keys: a replica made by ReplicateKey (Creating) and the two keys
/// of a primary Region update (Updating) become Enabled. The operations commit everything the key needs (its material,
/// its new type) before answering and then wake this service, so the state changes a moment later, as on AWS ("after a
/// few seconds"); should an instance stop in between, the next sweep of any instance finishes the job.</summary>
internal sealed partial class MultiRegionService(
    MultiRegionStore store, TimeProvider time, StoreOutage outage, ILogger<MultiRegionService> logger)
    : SweepService(time, outage)
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Asks for a sweep now (after ReplicateKey or UpdatePrimaryRegion committed).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already.
            }
        }
    }

    /// <summary>One sweep; returns the keys this instance moved out of a transient state.</summary>
    public override async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct)
    {
        var finished = new List<string>();
        foreach (var arn in await store.ListTransientAsync(100, ct))
        {
            if (await store.FinishTransientAsync(arn, ct))
            {
                finished.Add(arn);
            }
        }

        return finished;
    }

    protected override async Task WaitForNextSweepAsync(CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(Interval, Time, either.Token);
        var woken = _wake.WaitAsync(either.Token);
        await Task.WhenAny(delay, woken);
        await either.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }

    protected override void OnSweepFailed(Exception exception) => LogSweepFailed(logger, exception);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = EventIds.MultiRegionSweepFailed, Level = LogLevel.Warning, Message = "Multi-Region key sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
