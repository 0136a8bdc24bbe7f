using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace KmsService.Core.Keys;

/// <summary>Maps model enums to and from their wire names (the <see cref="JsonStringEnumMemberNameAttribute"/> values).</summary>
public static class WireNames<T>
    where T : struct, Enum
{
    private static readonly FrozenDictionary<string, T> ByName;
    private static readonly FrozenDictionary<T, string> Names;

    static WireNames()
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        var names = new Dictionary<T, string>();
        var order = new List<string>();
        foreach (var field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var value = (T)field.GetValue(null)!;
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
            byName[name] = value;
            names[value] = name;
            order.Add(name);
        }

        ByName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        Names = names.ToFrozenDictionary();
        AllNames = order.AsReadOnly();
    }

    /// <summary>Every wire name, in model order.</summary>
    public static IReadOnlyList<string> AllNames { get; }

    public static bool TryParse(string value, out T result) => ByName.TryGetValue(value, out result);

    /// <summary>Parses a wire name already known to be valid (validated input, stored rows).</summary>
    public static T Parse(string value) =>
        ByName.TryGetValue(value, out var result) ? result : throw new ArgumentException($"'{value}' is not a {typeof(T).Name} value.", nameof(value));

    public static string Name(T value) => Names[value];
}
