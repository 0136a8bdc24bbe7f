using System.Collections.Concurrent;

namespace KmsService.Storage;

/// <summary>A small bounded cache whose entries expire after a time measured by the injected clock. Used for key
/// records and alias targets (dropped on every change, and kept briefly or long depending on whether changes by
/// other instances are pushed, see <see cref="ChangeFeed"/>) and for immutable rows such as wrapped backing keys.</summary>
/// <remarks>
/// A read that misses fills the entry after a database query, and a change may commit and be invalidated while that
/// query runs; the fill would then put the old value back. So a reader takes a <see cref="FillTicket"/>
/// (<see cref="StartFill"/>) before it queries and fills with <see cref="TrySet"/>, which drops the value if any
/// invalidation happened since.
/// <para>With a <paramref name="feed"/>, an entry filled with <see cref="TrySet"/> is served unconditionally for
/// <see cref="ChangeFeed.TrustWindow"/> from the start of the read that filled it, and beyond that (up to its time to
/// live) only while the feed confirms that every change committed before the last <see cref="ChangeFeed.TrustWindow"/>
/// has been applied (<see cref="ChangeFeed.IsFreshAt"/>, one volatile read).</para>
/// <para>While the store is unreachable (<see cref="StoreOutage"/>) a reader may fall back on an expired entry with
/// <see cref="TryGetStale"/>, if it expired recently enough. <see cref="Remove"/> drops an entry for
/// good (its row changed); <see cref="ExpireAll"/> only expires entries, so they stay available to that fallback;
/// <see cref="Clear"/> drops everything.</para>
/// </remarks>
/// <param name="time">The clock entries expire by.</param>
/// <param name="ttl">How long <see cref="Set"/> keeps an entry.</param>
/// <param name="maxEntries">Most entries held; reaching it empties the cache.</param>
/// <param name="weigh">The approximate bytes a value keeps alive, where values differ widely (compiled key policies).</param>
/// <param name="maxWeight">Most bytes, by <paramref name="weigh"/>, held; reaching it empties the cache.</param>
/// <param name="feed">The change feed that invalidates entries filled with <see cref="TrySet"/>, if any; it must measure
/// time with the same <paramref name="time"/>.</param>
internal sealed class TtlCache<TKey, TValue>(
    TimeProvider time, TimeSpan ttl, int maxEntries, Func<TValue, long>? weigh = null, long maxWeight = long.MaxValue, ChangeFeed? feed = null)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private long _generation;

    // Writes (fills after a miss, invalidations) take this lock to keep the total weight exact; reads take no lock.
    private readonly Lock _writes = new();

    // The weight of the entries held (expired ones too, until replaced or dropped: they are still in memory).
    private long _weight;

    // Lookups by TryGet, for the cache metrics (read when scraped).
    private long _hits;
    private long _misses;

    /// <summary>Lookups (<see cref="TryGet"/>) answered from the cache so far.</summary>
    public long Hits => Volatile.Read(ref _hits);

    /// <summary>Lookups (<see cref="TryGet"/>) the cache could not answer so far (absent, expired or not trusted).</summary>
    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Taken before a read that may fill: the count of invalidations (<see cref="Remove"/>,
    /// <see cref="Clear"/>) so far, and the time the read starts.</summary>
    public FillTicket StartFill() => new(Volatile.Read(ref _generation), time.GetTimestamp());

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            var now = time.GetTimestamp();
            if (now < entry.TrustedUntil || (now < entry.ExpiresAt && feed is not null && feed.IsFreshAt(now)))
            {
                Interlocked.Increment(ref _hits);
                value = entry.Value;
                return true;
            }
        }

        Interlocked.Increment(ref _misses);
        value = default!;
        return false;
    }

    /// <summary>An entry that has not expired or expired at most <paramref name="maxStaleness"/> ago: only for a
    /// reader whose store is unreachable.</summary>
    public bool TryGetStale(TKey key, TimeSpan maxStaleness, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry)
            && time.GetTimestamp() - entry.ExpiresAt <= (long)(maxStaleness.TotalSeconds * time.TimestampFrequency))
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>Caches a value for the cache's own TTL, whatever happened meanwhile (for immutable rows).</summary>
    public void Set(TKey key, TValue value)
    {
        var expiresAt = time.GetTimestamp() + Ticks(ttl);
        Store(key, new Entry(value, expiresAt, expiresAt, weigh?.Invoke(value) ?? 0));
    }

    /// <summary>Caches a value read after <see cref="StartFill"/> returned <paramref name="fill"/>, for
    /// <paramref name="timeToLive"/> from the start of that read, unless an invalidation happened since; returns
    /// whether it stayed cached.</summary>
    public bool TrySet(TKey key, TValue value, TimeSpan timeToLive, FillTicket fill)
    {
        var generation = fill.Generation;
        if (Volatile.Read(ref _generation) != generation)
        {
            return false;
        }

        var expiresAt = fill.StartedAt + Ticks(timeToLive);
        var trustedUntil = feed is null ? expiresAt : Math.Min(expiresAt, fill.StartedAt + Ticks(ChangeFeed.TrustWindow));
        var entry = new Entry(value, trustedUntil, expiresAt, weigh?.Invoke(value) ?? 0);
        Store(key, entry);

        // An invalidation that slipped in between the check above and the store either came after this re-check
        // (then its removal, which follows its increment, drops the entry) or before it (then we drop it here).
        // INVARIANT: the full fence orders the store above before the read below, as Interlocked.Increment does
        // for the invalidating side.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _generation) != generation)
        {
            lock (_writes)
            {
                if (_entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
                {
                    _weight -= entry.Weight;
                }
            }

            return false;
        }

        return true;
    }

    public void Remove(TKey key)
    {
        Interlocked.Increment(ref _generation);
        lock (_writes)
        {
            if (_entries.TryRemove(key, out var removed))
            {
                _weight -= removed.Weight;
            }
        }
    }

    /// <summary>Expires every entry now, as <see cref="Clear"/> does for <see cref="TryGet"/>, but keeps them for
    /// <see cref="TryGetStale"/>: for when changes may have been missed, not when they are known.</summary>
    public void ExpireAll()
    {
        Interlocked.Increment(ref _generation);
        lock (_writes)
        {
            var now = time.GetTimestamp();
            foreach (var (key, entry) in _entries)
            {
                if (entry.ExpiresAt > now)
                {
                    // Under the lock no writer replaces or removes it meanwhile; a reader sees either entry.
                    _entries.TryUpdate(key, entry with { TrustedUntil = Math.Min(entry.TrustedUntil, now), ExpiresAt = now }, entry);
                }
            }
        }
    }

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        lock (_writes)
        {
            _entries.Clear();
            _weight = 0;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private void Store(TKey key, Entry entry)
    {
        var weight = entry.Weight;
        lock (_writes)
        {
            var replaced = _entries.TryGetValue(key, out var old) ? old.Weight : 0;
            if (_entries.Count >= maxEntries || _weight - replaced + weight > maxWeight)
            {
                // Bounded: dropping everything is crude but O(1) amortised and keeps memory flat.
                _entries.Clear();
                _weight = 0;
                replaced = 0;
            }

            _entries[key] = entry;
            _weight += weight - replaced;
        }
    }

    // TrustedUntil: served unconditionally before it; ExpiresAt: never served from it on.
    private readonly record struct Entry(TValue Value, long TrustedUntil, long ExpiresAt, long Weight);
}

/// <summary>What a read that may fill a <see cref="TtlCache{TKey,TValue}"/> takes before it queries: the cache's
/// invalidation count and the time (of the cache's clock) the read started.</summary>
internal readonly record struct FillTicket(long Generation, long StartedAt);
