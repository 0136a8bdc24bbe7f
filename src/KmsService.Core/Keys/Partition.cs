namespace KmsService.Core.Keys;

/// <summary>The AWS partition a region belongs to, as used in ARNs.</summary>
public static class Partition
{
    public static string ForRegion(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : region.StartsWith("us-iso-", StringComparison.Ordinal) ? "aws-iso"
        : region.StartsWith("us-isob-", StringComparison.Ordinal) ? "aws-iso-b"
        : "aws";
}
