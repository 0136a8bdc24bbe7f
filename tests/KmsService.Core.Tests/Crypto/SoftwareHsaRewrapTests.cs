using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>Re-wrapping a backing key for a related multi-Region key: same material id, bound to the new ARN, and a
/// ciphertext made under one region's key opens under the other's.</summary>
public sealed class SoftwareHsaRewrapTests : IDisposable
{
    private const string East = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    private const string West = "arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";

    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    [Fact]
    public void RewrapBackingKey_RelatedKey_KeepsTheMaterialAndOpensTheOtherRegionsBlobs()
    {
        var east = _hsa.GenerateBackingKey(East);
        var west = _hsa.RewrapBackingKey(East, east, West);

        Assert.Equal(east.MaterialId, west.MaterialId);
        Assert.NotEqual(east.Wrapped, west.Wrapped);
        Assert.True(_hsa.Unwraps(West, west));
        Assert.False(_hsa.Unwraps(East, west));

        var context = TestKeys.Context(("a", "b"));
        var blob = _hsa.Encrypt(East, east, [1, 2, 3], context);
        Assert.Equal([1, 2, 3], _hsa.Decrypt(West, west, blob, context));
        Assert.Equal([4], _hsa.Decrypt(East, east, _hsa.Encrypt(West, west, [4], context), context));
    }

    [Fact]
    public void RewrapBackingKey_KeyPairMaterial_SignsAlikeInBothRegions()
    {
        var east = _hsa.GenerateBackingKey(East, KeySpec.EccNistP256);
        var west = _hsa.RewrapBackingKey(East, east, West);
        Assert.Equal(_hsa.GetPublicKey(East, KeySpec.EccNistP256, east), _hsa.GetPublicKey(West, KeySpec.EccNistP256, west));
    }

    [Theory]
    [InlineData("arn:aws:kms:us-west-2:111122223333:key/mrk-00000000000000000000000000000000")]
    [InlineData("arn:aws:kms:us-west-2:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab")]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")]
    public void RewrapBackingKey_UnrelatedKey_IsRefused(string target)
    {
        var east = _hsa.GenerateBackingKey(East);
        Assert.Throws<ArgumentException>(() => _hsa.RewrapBackingKey(East, east, target));
    }

    [Fact]
    public void RewrapBackingKey_SingleRegionKeys_AreRefused()
    {
        const string a = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const string b = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        Assert.Throws<ArgumentException>(() => _hsa.RewrapBackingKey(a, _hsa.GenerateBackingKey(a), b));
        Assert.False(MultiRegionKeys.AreRelated(a, b));
    }

    [Fact]
    public void Decrypt_BlobOfAnUnrelatedKey_IsInvalidCiphertext()
    {
        const string other = "arn:aws:kms:us-west-2:111122223333:key/mrk-00000000000000000000000000000000";
        var east = _hsa.GenerateBackingKey(East);
        var west = _hsa.RewrapBackingKey(East, east, West);
        var context = TestKeys.Context(("a", "b"));
        var otherKey = _hsa.GenerateBackingKey(other);
        var blob = _hsa.Encrypt(other, otherKey, [1], context);
        Assert.Throws<InvalidCiphertextException>(() => _hsa.Decrypt(West, west, blob, context));
    }

    [Fact]
    public void RewrapBackingKey_AlteredWrappedKey_FailsInsideTheHsa()
    {
        var east = _hsa.GenerateBackingKey(East);
        var altered = (byte[])east.Wrapped.Clone();
        altered[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => _hsa.RewrapBackingKey(East, new WrappedBackingKey(east.MaterialId, altered), West));
    }
}
