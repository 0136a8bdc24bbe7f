using System.Diagnostics.CodeAnalysis;

namespace KmsService.Core.Keys;

/// <summary>The AWS partitions, which region names are valid, and the partition each region's ARNs carry.</summary>
/// <remarks>
/// One table for the whole service: the SigV4 scope, key and alias ARNs, and the seed file all check regions here.
/// The rules are the <c>regionRegex</c> of each partition in botocore's <c>data/partitions.json</c> (botocore 1.43):
/// aws <c>^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$</c>, aws-cn <c>^cn\-\w+\-\d+$</c>, aws-us-gov
/// <c>^us\-gov\-\w+\-\d+$</c>, aws-iso <c>^us\-iso\-\w+\-\d+$</c>, aws-iso-b <c>^us\-isob\-\w+\-\d+$</c>, aws-iso-e
/// <c>^eu\-isoe\-\w+\-\d+$</c>, aws-iso-f <c>^us\-isof\-\w+\-\d+$</c>, aws-eusc <c>^eusc\-(de)\-\w+\-\d+$</c>; here
/// <c>\w</c> is ASCII only (<c>[A-Za-z0-9_]</c>), <c>\d</c> is <c>[0-9]</c>, and <c>$</c> is the end of the string
/// (Python's <c>$</c> also accepts a final newline; a region never has one).
/// </remarks>
public static class Partition
{
    public const string Aws = "aws";
    public const string AwsCn = "aws-cn";
    public const string AwsUsGov = "aws-us-gov";
    public const string AwsIso = "aws-iso";
    public const string AwsIsoB = "aws-iso-b";
    public const string AwsIsoE = "aws-iso-e";
    public const string AwsIsoF = "aws-iso-f";
    public const string AwsEusc = "aws-eusc";

    /// <summary>The partition of a valid region name.</summary>
    /// <exception cref="ArgumentException"><paramref name="region"/> is not a region name (see <see cref="IsValidRegion"/>).</exception>
    public static string ForRegion(string region)
    {
        ArgumentNullException.ThrowIfNull(region);

        // INVARIANT: regions reach here only after the SigV4 scope, an ARN or the seed file was checked with IsValidRegion.
        return TryForRegion(region, out var partition)
            ? partition
            : throw new ArgumentException("Not a region name of any AWS partition.", nameof(region));
    }

    /// <summary>True when <paramref name="region"/> is a region name of some partition (e.g. <c>us-east-1</c>).</summary>
    public static bool IsValidRegion(ReadOnlySpan<char> region) => TryForRegion(region, out _);

    /// <summary>The partition of <paramref name="region"/>, or false when it is not a region name. Allocates nothing.</summary>
    public static bool TryForRegion(ReadOnlySpan<char> region, [NotNullWhen(true)] out string? partition)
    {
        partition = null;

        // Every pattern ends in \-\w+\-\d+$, and neither \w nor \d matches '-': the last field is the digits, the one
        // before it the word, and what precedes them (the prefix) picks the partition. The prefixes differ in their
        // number of dashes (us-east-1 vs us-gov-west-1), so no two patterns match one name and order does not matter.
        var lastDash = region.LastIndexOf('-');
        if (lastDash < 0 || !IsDigits(region[(lastDash + 1)..]))
        {
            return false;
        }

        var head = region[..lastDash];
        var wordDash = head.LastIndexOf('-');
        if (wordDash < 0 || !IsWord(head[(wordDash + 1)..]))
        {
            return false;
        }

        partition = head[..wordDash] switch
        {
            "us" or "eu" or "ap" or "sa" or "ca" or "me" or "af" or "il" or "mx" => Aws,
            "cn" => AwsCn,
            "us-gov" => AwsUsGov,
            "us-iso" => AwsIso,
            "us-isob" => AwsIsoB,
            "eu-isoe" => AwsIsoE,
            "us-isof" => AwsIsoF,
            "eusc-de" => AwsEusc,
            _ => null,
        };
        return partition is not null;
    }

    // \d+ with \d = [0-9].
    private static bool IsDigits(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    // \w+ with \w = [A-Za-z0-9_].
    private static bool IsWord(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
