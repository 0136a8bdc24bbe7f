using System.Collections.Concurrent;
using KmsService.Core.Keys;

namespace KmsService.Core.Auth;

/// <summary>Interned copies of the parts of an <c>Authorization</c> header that repeat from request to request
/// (credential scope parts, the signed-header list), so that parsing them does not allocate every time, and the
/// partition of each region, so that a region is validated once.</summary>
/// <remarks>
/// Values come from clients, so every table is bounded in entries and in the length of what they keep; when one
/// fills it is emptied, as the scope date changes daily anyway. Only non-secret header text is interned: access key
/// ids, dates, regions, service names and header names, never a signature.
/// </remarks>
internal static class SigV4Strings
{
    private const int MaxEntries = 1024;
    private const int MaxLength = 128;
    private const int MaxSignedHeadersLength = 512;

    private static readonly ConcurrentDictionary<string, string> Strings = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> StringLookup =
        Strings.GetAlternateLookup<ReadOnlySpan<char>>();

    // Interned scope regions, each with its partition, so that a region is validated once per distinct name rather
    // than on every request.
    private static readonly ConcurrentDictionary<string, ScopeRegion> Regions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, ScopeRegion>.AlternateLookup<ReadOnlySpan<char>> RegionLookup =
        Regions.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly ConcurrentDictionary<string, string[]> Lists = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string[]>.AlternateLookup<ReadOnlySpan<char>> ListLookup =
        Lists.GetAlternateLookup<ReadOnlySpan<char>>();

    // ConcurrentDictionary.Count takes every lock; these approximate it for the bound only.
    private static int _stringCount;
    private static int _regionCount;
    private static int _listCount;

    /// <summary>The string with the characters of <paramref name="value"/>, shared when it was seen before.</summary>
    public static string Intern(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (value.Length > MaxLength)
        {
            return value.ToString();
        }

        if (StringLookup.TryGetValue(value, out var known))
        {
            return known;
        }

        var created = value.ToString();
        Add(Strings, ref _stringCount, created, created);
        return created;
    }

    /// <summary>The region of a credential scope and its partition, shared when it was seen before.</summary>
    public static ScopeRegion Region(ReadOnlySpan<char> value)
    {
        if (RegionLookup.TryGetValue(value, out var known))
        {
            return known;
        }

        var name = value.IsEmpty ? string.Empty : value.ToString();
        var created = new ScopeRegion(name, Partition.TryForRegion(value, out var partition) ? partition : null);
        if (value.Length <= MaxLength)
        {
            Add(Regions, ref _regionCount, name, created);
        }

        return created;
    }

    /// <summary>The names of a <c>SignedHeaders</c> value split on <c>;</c> (empty names kept, as
    /// <see cref="string.Split(char, StringSplitOptions)"/> keeps them). The array is shared: never change it.</summary>
    public static IReadOnlyList<string> SignedHeaders(ReadOnlySpan<char> value)
    {
        if (ListLookup.TryGetValue(value, out var known))
        {
            return known;
        }

        var names = new string[value.Count(';') + 1];
        var rest = value;
        for (var i = 0; i < names.Length; i++)
        {
            var end = rest.IndexOf(';');
            names[i] = Intern(end < 0 ? rest : rest[..end]);
            rest = end < 0 ? [] : rest[(end + 1)..];
        }

        if (value.Length <= MaxSignedHeadersLength)
        {
            Add(Lists, ref _listCount, value.ToString(), names);
        }

        return names;
    }

    private static void Add<T>(ConcurrentDictionary<string, T> table, ref int count, string key, T value)
    {
        if (Interlocked.Increment(ref count) > MaxEntries)
        {
            table.Clear();
            Volatile.Write(ref count, 1);
        }

        if (!table.TryAdd(key, value))
        {
            Interlocked.Decrement(ref count);
        }
    }
}

/// <summary>A credential scope's region as sent, and its partition (<see cref="Partition.TryForRegion"/>), or null when
/// the region is no region name.</summary>
internal sealed class ScopeRegion(string name, string? partition)
{
    public string Name { get; } = name;

    public string? Partition { get; } = partition;
}
