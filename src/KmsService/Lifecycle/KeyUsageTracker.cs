using System.Collections.Concurrent;
using System.Collections.Frozen;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>
/// The last successful cryptographic use of each key seen by this instance and not yet in the store: a concurrent map
/// keeping the newest use per key, filled on the hot path at the cost of a set lookup, one small object and (for a new
/// key or a newer use) one map write, and emptied in batches by <see cref="KeyUsageFlushService"/>. GetKeyLastUsage
/// merges it with the store, so a use is visible on this instance at once and on others after the next flush.
/// </summary>
internal sealed class KeyUsageTracker
{
    private static readonly FrozenSet<string> Tracked =
        Enum.GetNames<KeyLastUsageTrackingOperation>().ToFrozenSet(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, KeyUsage> _pending = new(StringComparer.Ordinal);

    // Taken from _pending by a flush and not yet committed: still visible to GetKeyLastUsage meanwhile.
    private readonly ConcurrentDictionary<string, KeyUsage> _flushing = new(StringComparer.Ordinal);

    /// <summary>True when a successful call of <paramref name="operation"/> is a use of its key(s).</summary>
    public static bool Tracks(string operation) => Tracked.Contains(operation);

    /// <summary>Notes a successful call of a tracked operation on <paramref name="keyArn"/> and, for ReEncrypt with two
    /// keys, on <paramref name="secondKeyArn"/> (the API reference: "Usage information is recorded for both keys").</summary>
    public void Record(string operation, string keyArn, string? secondKeyArn, DateTimeOffset time, Guid eventId, string requestId)
    {
        var usage = new KeyUsage(operation, time.ToUnixTimeMilliseconds(), eventId, requestId);
        Keep(keyArn, usage);
        if (secondKeyArn is not null)
        {
            Keep(secondKeyArn, usage);
        }
    }

    /// <summary>The newest use of <paramref name="keyArn"/> this instance holds that may not be in the store yet.</summary>
    public KeyUsage? Unflushed(string keyArn)
    {
        _pending.TryGetValue(keyArn, out var pending);
        _flushing.TryGetValue(keyArn, out var flushing);
        return pending is null && flushing is null ? null : KeyUsage.Newer(pending, flushing);
    }

    /// <summary>Moves every pending use into one batch to write; a use noted meanwhile stays pending for the next.</summary>
    public IReadOnlyList<KeyValuePair<string, KeyUsage>> TakeBatch()
    {
        var batch = new List<KeyValuePair<string, KeyUsage>>();
        foreach (var entry in _pending)
        {
            // In flight before it leaves pending, so that a reader never misses it; removed only if still this use
            // (a newer one noted since is left for the next batch).
            _flushing[entry.Key] = entry.Value;
            if (_pending.TryRemove(entry))
            {
                batch.Add(entry);
            }
            else
            {
                _flushing.TryRemove(entry);
            }
        }

        return batch;
    }

    /// <summary>The batch is in the store (committed) or was not written: either way it leaves the in-flight set;
    /// when not written, its uses go back to pending unless a newer one came.</summary>
    public void Finish(IReadOnlyList<KeyValuePair<string, KeyUsage>> batch, bool written)
    {
        foreach (var (keyArn, usage) in batch)
        {
            if (!written)
            {
                Keep(keyArn, usage);
            }

            _flushing.TryRemove(new KeyValuePair<string, KeyUsage>(keyArn, usage));
        }
    }

    /// <summary>Forgets every unflushed use (the reset endpoint wipes the keys).</summary>
    public void Clear()
    {
        _pending.Clear();
        _flushing.Clear();
    }

    private void Keep(string keyArn, KeyUsage usage)
    {
        while (true)
        {
            if (!_pending.TryGetValue(keyArn, out var current))
            {
                if (_pending.TryAdd(keyArn, usage))
                {
                    return;
                }

                continue;
            }

            // Same millisecond or older: the held use is as recent, and the map is not written (the common case under
            // load, where many calls on one key share a millisecond).
            if (current.Timestamp >= usage.Timestamp || _pending.TryUpdate(keyArn, usage, current))
            {
                return;
            }
        }
    }
}

/// <summary>Writes the tracker's uses to the store every <see cref="Interval"/> of the service's clock, and once more
/// when the service stops gracefully. A failed write keeps the uses for the next one.</summary>
internal sealed partial class KeyUsageFlushService(
    KeyUsageTracker tracker, KeyUsageStore store, TimeProvider time, StoreOutage outage, ILogger<KeyUsageFlushService> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Writes what is pending now; when the write fails, the uses stay pending and the error is thrown.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var batch = tracker.TakeBatch();
        if (batch.Count == 0)
        {
            return;
        }

        var written = false;
        try
        {
            await store.WriteAsync(batch, ct);
            written = true;
        }
        finally
        {
            tracker.Finish(batch, written);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await RunOnceAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RunOnceAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(Interval, time, stoppingToken);
            await RunOnceAsync(stoppingToken);
        }
    }

    private async Task RunOnceAsync(CancellationToken ct)
    {
        try
        {
            // Recorded by the first instance to start, so that it predates every use this store tracks.
            await store.TrackingStartAsync(ct);
            await FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!outage.Notice(e))
            {
                LogFlushFailed(logger, e.GetType().Name, e.Message);
            }
        }
    }

    [LoggerMessage(EventId = EventIds.KeyUsageFlushFailed, Level = LogLevel.Warning, Message = "Could not write the last use of keys ({ErrorType}: {Reason}); retrying on the next flush")]
    private static partial void LogFlushFailed(ILogger logger, string errorType, string reason);
}
