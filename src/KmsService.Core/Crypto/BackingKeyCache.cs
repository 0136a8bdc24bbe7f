using System.Collections.Concurrent;

namespace KmsService.Core.Crypto;

/// <summary>A bounded, time-limited cache of unwrapped backing keys keyed by (key ARN, material id).</summary>
/// <remarks>
/// The cache owns the creator reference of each <see cref="KeyMaterial"/> it holds; a hit hands out one more
/// reference, so removing an entry while a caller is mid-operation zeroes the bytes only after that caller releases.
/// A hit is lock-free and allocation-free. When full, new keys are simply not cached (the caller uses them once);
/// expired entries are removed on the next lookup and by a periodic sweep, so material does not outlive its time
/// to live by more than one sweep period.
/// </remarks>
internal sealed class BackingKeyCache : IDisposable
{
    private static readonly TimeSpan MinSweepPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxSweepPeriod = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<CacheKey, Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly long _timeToLive;
    private readonly int _maxEntries;
    private readonly ITimer? _sweepTimer;

    // INVARIANT: _count == number of entries in _entries (it is changed only next to a successful add or remove).
    private int _count;
    private long _evictions;
    private int _disposed;

    public BackingKeyCache(TimeProvider time, TimeSpan timeToLive, int maxEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        _time = time;
        _maxEntries = maxEntries;

        // In TimeProvider timestamp units, so that a hit costs one GetTimestamp and one comparison.
        var ticks = timeToLive.TotalSeconds * time.TimestampFrequency;
        _timeToLive = ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)ticks;

        if (IsEnabled)
        {
            var period = TimeSpan.FromTicks(Math.Clamp(timeToLive.Ticks / 4, MinSweepPeriod.Ticks, MaxSweepPeriod.Ticks));
            _sweepTimer = time.CreateTimer(static state => ((BackingKeyCache)state!).SweepExpired(), this, period, period);
        }
    }

    public bool IsEnabled => _maxEntries > 0 && _timeToLive > 0;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Changes whenever <see cref="Evict"/> runs, so an add racing with an eviction can undo itself.</summary>
    public long EvictionEpoch => Interlocked.Read(ref _evictions);

    /// <summary>The cached material with one reference taken for the caller (who must <see cref="KeyMaterial.Release"/> it), or null.</summary>
    public KeyMaterial? TryAcquire(string keyArn, string materialId)
    {
        var key = new CacheKey(keyArn, materialId);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (_time.GetTimestamp() < entry.ExpiresAt && entry.Material.TryAddRef())
        {
            return entry.Material;
        }

        Remove(key, entry);
        return null;
    }

    /// <summary>Offers the creator reference of <paramref name="material"/> to the cache.</summary>
    /// <returns>True when the cache took it (and will dispose it); false when the caller keeps it.</returns>
    public bool TryAdd(string keyArn, string materialId, KeyMaterial material, long evictionEpoch)
    {
        if (!IsEnabled || Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        // Reserve a slot first so that concurrent adds cannot overshoot the bound.
        if (Interlocked.Increment(ref _count) > _maxEntries)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        var key = new CacheKey(keyArn, materialId);
        var entry = new Entry(material, _time.GetTimestamp() + _timeToLive);
        if (!_entries.TryAdd(key, entry))
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        // An eviction (key deletion) or Dispose that ran while we were unwrapping may have missed this entry.
        if (EvictionEpoch != evictionEpoch || Volatile.Read(ref _disposed) != 0)
        {
            Remove(key, entry);
        }

        return true;
    }

    /// <summary>Drops every cached backing key of <paramref name="keyArn"/>.</summary>
    public void Evict(string keyArn)
    {
        Interlocked.Increment(ref _evictions);
        foreach (var pair in _entries)
        {
            if (string.Equals(pair.Key.KeyArn, keyArn, StringComparison.Ordinal))
            {
                Remove(pair.Key, pair.Value);
            }
        }
    }

    /// <summary>Drops every expired entry; runs on the sweep timer.</summary>
    public void SweepExpired()
    {
        var now = _time.GetTimestamp();
        foreach (var pair in _entries)
        {
            if (now >= pair.Value.ExpiresAt)
            {
                Remove(pair.Key, pair.Value);
            }
        }
    }

    /// <summary>The cached material without taking a reference; for tests that check it is zeroed after removal.</summary>
    internal KeyMaterial? Peek(string keyArn, string materialId) =>
        _entries.TryGetValue(new CacheKey(keyArn, materialId), out var entry) ? entry.Material : null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sweepTimer?.Dispose();
        foreach (var pair in _entries)
        {
            Remove(pair.Key, pair.Value);
        }
    }

    private void Remove(CacheKey key, Entry entry)
    {
        // Removes this exact entry only: a fresh entry added under the same key by another thread stays.
        if (_entries.TryRemove(new KeyValuePair<CacheKey, Entry>(key, entry)))
        {
            Interlocked.Decrement(ref _count);
            entry.Material.Dispose();
        }
    }

    private readonly record struct CacheKey(string KeyArn, string MaterialId);

    private sealed class Entry(KeyMaterial material, long expiresAt)
    {
        public KeyMaterial Material { get; } = material;

        public long ExpiresAt { get; } = expiresAt;
    }
}
