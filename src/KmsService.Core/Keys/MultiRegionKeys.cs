using System.Security.Cryptography;

namespace KmsService.Core.Keys;

/// <summary>Multi-Region key ids and ARNs: a primary key and its replicas share the key id (<c>mrk-</c> + 32 lowercase
/// hex), the account and the partition, and differ only in their region.</summary>
public static class MultiRegionKeys
{
    public const string IdPrefix = "mrk-";

    /// <summary>A fresh multi-Region key id.</summary>
    public static string NewKeyId() => IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>True for a multi-Region key id.</summary>
    public static bool IsMultiRegionKeyId(string keyId) => keyId.StartsWith(IdPrefix, StringComparison.Ordinal);

    /// <summary>True when two key ARNs name related multi-Region keys (the same key in any regions of one partition and
    /// account), including the same ARN twice.</summary>
    public static bool AreRelated(string arnA, string arnB)
    {
        if (!TrySplit(arnA, out var a) || !TrySplit(arnB, out var b))
        {
            return false;
        }

        return a.Partition == b.Partition && a.Account == b.Account && a.Resource == b.Resource
            && a.Resource.StartsWith("key/" + IdPrefix, StringComparison.Ordinal)
            && Partition.TryForRegion(a.Region, out var pa) && pa == a.Partition
            && Partition.TryForRegion(b.Region, out var pb) && pb == b.Partition;
    }

    private static bool TrySplit(string arn, out (string Partition, string Region, string Account, string Resource) parts)
    {
        var fields = arn.Split(':');
        parts = default;
        if (fields is not ["arn", var partition, "kms", var region, var account, var resource])
        {
            return false;
        }

        parts = (partition, region, account, resource);
        return true;
    }
}
