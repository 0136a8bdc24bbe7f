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
/// (Python's <c>$</c> also accepts a final newline; a region never has one). Requests do not pay for the check: the
/// SigV4 parser looks a scope region up once per distinct name and keeps its partition with it (SigV4Strings), and the
/// request carries that partition on (<c>CallContext.Partition</c>).
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

        // INVARIANT: regions reach here from the seed file, checked with IsValidRegion, or from a request, whose scope
        // region the authenticator refuses unless it has a partition.
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

        // Every pattern ends in \-\w+\-\d+$, and neither \w nor \d matches '-': read from the end, the digits, a dash,
        // the word, a dash; what precedes them (the prefix) picks the partition. The prefixes differ in their number
        // of dashes (us-east-1 vs us-gov-west-1), so no two patterns match one name and their order does not matter.
        var i = region.Length - 1;
        while (i >= 0 && char.IsAsciiDigit(region[i]))
        {
            i--;
        }

        if (i == region.Length - 1 || i < 0 || region[i] != '-')
        {
            return false;
        }

        var wordEnd = --i;
        while (i >= 0 && (char.IsAsciiLetterOrDigit(region[i]) || region[i] == '_'))
        {
            i--;
        }

        if (i == wordEnd || i < 0 || region[i] != '-')
        {
            return false;
        }

        partition = OfPrefix(region[..i]);
        return partition is not null;
    }

    // The prefix of a region name that matched \-\w+\-\d+$, by length then by its characters.
    private static string? OfPrefix(ReadOnlySpan<char> prefix) => prefix.Length switch
    {
        2 => (prefix[0], prefix[1]) switch
        {
            ('u', 's') or ('e', 'u') or ('a', 'p') or ('s', 'a') or ('c', 'a')
                or ('m', 'e') or ('a', 'f') or ('i', 'l') or ('m', 'x') => Aws,
            ('c', 'n') => AwsCn,
            _ => null,
        },
        6 => prefix.SequenceEqual("us-gov") ? AwsUsGov
            : prefix.SequenceEqual("us-iso") ? AwsIso
            : null,
        7 => prefix.SequenceEqual("us-isob") ? AwsIsoB
            : prefix.SequenceEqual("eu-isoe") ? AwsIsoE
            : prefix.SequenceEqual("us-isof") ? AwsIsoF
            : prefix.SequenceEqual("eusc-de") ? AwsEusc
            : null,
        _ => null,
    };
}
