using System.Reflection;
using KmsService.Audit.Store;
using KmsService.Hosting;

namespace KmsService.Tests.Infrastructure;

/// <summary>Every configuration name the service binds, found by reflection over its options classes, so that the
/// README, <c>--help</c> and the container files are checked against what the code reads.</summary>
public static class ConfigurationOptions
{
    /// <summary>The options as <c>Kms:Section:Name</c>: settable properties, nested option classes followed.</summary>
    public static IEnumerable<string> Names => All.Select(o => o.Name);

    /// <summary>Each option, and whether it is a list or map whose entries are named below it
    /// (<c>Kms:ResetPrincipals:0</c>, <c>Kms:RateLimits:Operations:CreateKey</c>).</summary>
    public static IEnumerable<(string Name, bool HasEntries)> All =>
        Of(typeof(KmsOptions), KmsOptions.Section).Concat(Of(typeof(AuditStoreOptions), "Kms:Audit"));

    /// <summary>The connection strings the service reads.</summary>
    public static IReadOnlyList<string> ConnectionStrings { get; } = ["ConnectionStrings:Kms"];

    /// <summary>True when <paramref name="name"/> (<c>:</c>-separated, case-insensitive as configuration is) is an
    /// option, an entry of a list or map option, or a connection string the service reads.</summary>
    public static bool IsRead(string name) =>
        ConnectionStrings.Contains(name, StringComparer.OrdinalIgnoreCase)
        || All.Any(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase)
            || (o.HasEntries && name.StartsWith(o.Name + ":", StringComparison.OrdinalIgnoreCase) && name.Length > o.Name.Length + 1));

    private static IEnumerable<(string Name, bool HasEntries)> Of(Type options, string prefix)
    {
        // Configuration binds settable properties only (a computed one, such as AuditStoreOptions.ExportEnabled, is no option).
        foreach (var property in options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var name = $"{prefix}:{property.Name}";
            var type = property.PropertyType;
            if (type.IsClass && type.Namespace == options.Namespace)
            {
                foreach (var nested in Of(type, name))
                {
                    yield return nested;
                }
            }
            else
            {
                yield return (name, type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type));
            }
        }
    }
}
