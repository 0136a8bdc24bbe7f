using System.Diagnostics.Metrics;
using KmsService.Audit.Store;
using KmsService.Core.Keys;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Hosting;

/// <summary>The instruments read when the metrics are scraped, never on a call's path: cache lookups (hits and misses
/// counted by the caches themselves), whether the change feed listens, the audit writer's queue, and keys by state
/// (a query, made at most every <see cref="KeyStateRefresh"/> and cached).</summary>
internal sealed partial class StoreGauges
{
    /// <summary>How long a count of keys by state is reused before the store is asked again.</summary>
    public static readonly TimeSpan KeyStateRefresh = TimeSpan.FromSeconds(15);

    /// <summary>How long a scrape waits for a fresh count of keys by state (the previous count is shown otherwise).</summary>
    public static readonly TimeSpan KeyStateWait = TimeSpan.FromSeconds(2);

    private readonly KmsDbFactory _db;
    private readonly TimeProvider _time;
    private readonly ILogger<StoreGauges> _logger;
    private readonly Lock _refresh = new();
    private Measurement<long>[] _keysByState = [];
    private DateTimeOffset _keysCountedAt = DateTimeOffset.MinValue;
    private Task? _counting;

    public StoreGauges(
        KmsMetrics metrics, KeyStore keys, GrantStore grants, ChangeFeed feed, AuditWriter audit, KmsDbFactory db, TimeProvider time,
        ILogger<StoreGauges> logger)
    {
        _db = db;
        _time = time;
        _logger = logger;
        var meter = metrics.Meter;
        meter.CreateObservableCounter("kms.cache.lookups", () => (Measurement<long>[])
            [
                .. Lookups("key", keys.KeyCache.Hits, keys.KeyCache.Misses),
                .. Lookups("alias", keys.AliasCache.Hits, keys.AliasCache.Misses),
                .. Lookups("backing_key", keys.BackingKeyCache.Hits, keys.BackingKeyCache.Misses),
                .. Lookups("grants", grants.Cache.Hits, grants.Cache.Misses),
            ],
            "{lookup}", "Lookups in the hot-path caches, by cache and result (hit or miss).");
        meter.CreateObservableGauge("kms.change_feed.listening", () => feed.ListenConnectionString is null
                ? []
                : new[] { new Measurement<int>(feed.IsListening ? 1 : 0) },
            description: "1 while the change feed (PostgreSQL LISTEN) is connected and listening, else 0; absent without a feed (SQLite).");
        meter.CreateObservableGauge("kms.audit.queue.length", () => audit.QueueLength, "{record}",
            "Audit records queued for the group-commit writer, not yet in a batch.");
        meter.CreateObservableGauge("kms.keys", ObserveKeysByState, "{key}",
            $"KMS keys by key state, in every account and region (counted at most every {KeyStateRefresh.TotalSeconds:0} s).");
    }

    private static Measurement<long>[] Lookups(string cache, long hits, long misses) =>
    [
        new(hits, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("result", "hit")),
        new(misses, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("result", "miss")),
    ];

    private Measurement<long>[] ObserveKeysByState()
    {
        Task counting;
        lock (_refresh)
        {
            if (_counting is null && _time.GetUtcNow() - _keysCountedAt >= KeyStateRefresh)
            {
                _counting = CountKeysAsync();
            }

            counting = _counting ?? Task.CompletedTask;
        }

        // The exporter calls this synchronously; a slow store costs one scrape at most KeyStateWait, never a call.
        counting.Wait(KeyStateWait);
        return Volatile.Read(ref _keysByState);
    }

    private async Task CountKeysAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(KeyStateWait * 5);
            await using var db = _db.Create();
            var counts = await db.Keys.AsNoTracking().GroupBy(k => k.KeyState)
                .Select(g => new { State = g.Key, Count = g.LongCount() })
                .ToListAsync(timeout.Token);
            // Every state is shown, 0 where no key is in it, so that a series does not vanish when its last key leaves.
            var byState = Enum.GetNames<KeyState>().ToDictionary(n => n, _ => 0L, StringComparer.Ordinal);
            foreach (var c in counts)
            {
                byState[c.State] = c.Count;
            }

            Volatile.Write(ref _keysByState, [.. byState.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("state", c.Key)))]);
        }
#pragma warning disable CA1031 // A failed count keeps the previous one; an outage is logged by StoreOutage, not here.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogCountFailed(_logger, e.Message);
        }
        finally
        {
            lock (_refresh)
            {
                _keysCountedAt = _time.GetUtcNow();
                _counting = null;
            }
        }
    }

    [LoggerMessage(EventId = EventIds.KeyStateCountFailed, Level = LogLevel.Debug, Message = "Keys by state could not be counted for the metrics ({Error}); the previous count is shown")]
    private static partial void LogCountFailed(ILogger logger, string error);
}
