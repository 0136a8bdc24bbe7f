using System.Text.RegularExpressions;
using KmsService.Protocol;

namespace KmsService.Operations.Rules;

/// <summary>The model's <c>RegionType</c> (ReplicateKey.ReplicaRegion, UpdatePrimaryRegion.PrimaryRegion): 1..32
/// characters matching <c>^([a-z]+-){2,3}\d+$</c>.</summary>
internal static partial class RegionRules
{
    public const string Pattern = @"^([a-z]+-){2,3}\d+$";

    public static Validator Region(this Validator v, string? region, string member)
    {
        v.Length(region, 1, 32, member);
        return region is null || region.Length is 0 or > 32 || RegionType().IsMatch(region)
            ? v
            : v.Check(false, $"Value '{Validator.Echo(region)}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {Pattern}");
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RegionType();
}
