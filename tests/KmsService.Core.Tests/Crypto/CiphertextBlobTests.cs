using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class CiphertextBlobTests
{
    [Fact]
    public void TryReadHeader_BlobFromEncrypt_ReturnsKeyArnAndMaterialId()
    {
        using var hsa = TestKeys.NewHsa();
        var backingKey = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var blob = hsa.Encrypt(TestKeys.KeyArn, backingKey, "data"u8, EncryptionContext.Empty);

        Assert.True(CiphertextBlob.TryReadHeader(blob, out var header));

        Assert.Equal(new CiphertextHeader(TestKeys.KeyArn, backingKey.MaterialId), header);
    }

    [Fact]
    public void TryReadHeader_OtherVersion_ReturnsFalse()
    {
        using var hsa = TestKeys.NewHsa();
        var blob = hsa.Encrypt(TestKeys.KeyArn, hsa.GenerateBackingKey(TestKeys.KeyArn), "data"u8, EncryptionContext.Empty);
        blob[0] = 0x02;

        Assert.False(CiphertextBlob.TryReadHeader(blob, out _));
    }

    [Fact]
    public void TryReadHeader_EveryTruncation_ReturnsFalse()
    {
        using var hsa = TestKeys.NewHsa();
        var blob = hsa.Encrypt(TestKeys.KeyArn, hsa.GenerateBackingKey(TestKeys.KeyArn), ReadOnlySpan<byte>.Empty, EncryptionContext.Empty);

        // With an empty plaintext the blob is header + tag, so every shorter prefix is malformed.
        for (var length = 0; length < blob.Length; length++)
        {
            Assert.False(CiphertextBlob.TryReadHeader(blob.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void TryReadHeader_ArnNotUtf8_ReturnsFalse()
    {
        using var hsa = TestKeys.NewHsa();
        var blob = hsa.Encrypt(TestKeys.KeyArn, hsa.GenerateBackingKey(TestKeys.KeyArn), "data"u8, EncryptionContext.Empty);
        blob[2] = 0xff;

        Assert.False(CiphertextBlob.TryReadHeader(blob, out _));
    }

    [Fact]
    public void TryReadHeader_ZeroArnLength_ReturnsFalse()
    {
        var blob = new byte[200];
        blob[0] = CiphertextBlob.FormatVersion;

        Assert.False(CiphertextBlob.TryReadHeader(blob, out _));
    }

    [Fact]
    public void TryReadHeader_CiphertextLongerThan4096_ReturnsFalse()
    {
        var blob = new byte[CiphertextBlob.GetLength(1, CiphertextBlob.MaxPlaintextLength + 1)];
        blob[0] = CiphertextBlob.FormatVersion;
        blob[1] = 1;
        blob[2] = (byte)'k';

        Assert.False(CiphertextBlob.TryReadHeader(blob, out _));
    }

    [Fact]
    public void GetLength_LongestArnAndPlaintext_FitsServiceModelLimit()
    {
        Assert.True(CiphertextBlob.GetLength(CiphertextBlob.MaxKeyArnLength, CiphertextBlob.MaxPlaintextLength) <= 6144);
    }
}
