using System.Collections.Concurrent;

namespace KmsService.Storage;

/// <summary>A small bounded cache whose entries expire after a fixed time measured by the injected clock.
/// Used for key records (short TTL, so that a change made by another instance is seen within it) and for
/// immutable rows such as wrapped backing keys (long TTL).</summary>
internal sealed class TtlCache<TKey, TValue>(TimeProvider time, TimeSpan ttl, int maxEntries)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && time.GetTimestamp() < entry.ExpiresAt)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_entries.Count >= maxEntries)
        {
            // Bounded: dropping everything is crude but O(1) amortised and keeps memory flat.
            _entries.Clear();
        }

        var expiresAt = time.GetTimestamp() + (long)(ttl.TotalSeconds * time.TimestampFrequency);
        _entries[key] = new Entry(value, expiresAt);
    }

    public void Remove(TKey key) => _entries.TryRemove(key, out _);

    public void Clear() => _entries.Clear();

    private readonly record struct Entry(TValue Value, long ExpiresAt);
}
