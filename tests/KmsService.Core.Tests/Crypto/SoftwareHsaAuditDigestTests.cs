using System.Security.Cryptography;
using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>The audit signing key: derived from the root key with SP 800-108, used only through sign and verify.</summary>
public sealed class SoftwareHsaAuditDigestTests
{
    private static readonly byte[] Digest = "records 1..10 end in this hash"u8.ToArray();

    [Fact]
    public void SignAuditDigest_IsHmacSha256UnderTheSp800108DerivedKey()
    {
        using var hsa = NewHsa(0);
        var key = SP800108HmacCounterKdf.DeriveBytes(TestKeys.Sequence(0, 32), HashAlgorithmName.SHA256, "KmsService audit digest v1"u8, [], 32);

        Assert.Equal(HMACSHA256.HashData(key, Digest), hsa.SignAuditDigest(Digest));

        // Computed independently with Python's hmac module: K = HMAC(root, [1]_32 || label || 0x00 || [256]_32),
        // root key 0x00..0x1f; signature = HMAC(K, digest).
        Assert.Equal("b26e2cfed1ac054cd4ee7cda37c7c83f61c2798d8434069fc040e5f182e1a0e9", Convert.ToHexStringLower(hsa.SignAuditDigest(Digest)));
        Assert.NotEqual(hsa.RootKeyCheckValue(), hsa.SignAuditDigest("KmsService root key check v1"u8));
    }

    [Fact]
    public void VerifyAuditDigest_WithAnAlteredDigestSignatureOrRootKey_IsFalse()
    {
        using var hsa = NewHsa(0);
        using var other = NewHsa(1);
        var signature = hsa.SignAuditDigest(Digest);

        Assert.True(hsa.VerifyAuditDigest(Digest, signature));
        Assert.False(other.VerifyAuditDigest(Digest, signature));
        Assert.False(hsa.VerifyAuditDigest("records 1..11 end in this hash"u8, signature));
        for (var i = 0; i < signature.Length; i++)
        {
            var forged = (byte[])signature.Clone();
            forged[i] ^= 0x01;
            Assert.False(hsa.VerifyAuditDigest(Digest, forged));
        }

        Assert.False(hsa.VerifyAuditDigest(Digest, signature.AsSpan(0, 31)));
    }

    private static SoftwareHsa NewHsa(byte start) => new(KeyMaterial.CopyFrom(TestKeys.Sequence(start, 32)), new ManualTimeProvider());
}
