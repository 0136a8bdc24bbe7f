using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class SoftwareHsaTests : IDisposable
{
    // Expected bytes computed independently with Python (pyca/cryptography AESGCM and KBKDFHMAC, hmac module)
    // from: root key 0x00..0x1f, material 0x40..0x5f, wrap IV 0xc0..0xcb, nonce 0xa0..0xaf, IV 0xb0..0xbb,
    // plaintext "Hello, KMS", context {"purpose": "test", "app": "kat"}.
    private const string ExpectedMaterialId = "661f699964fd2625c9e920503ffd5a3bbd81e02d8c56d368ad2e095726ac1b3f";

    private const string ExpectedWrapped =
        "01" + "c0c1c2c3c4c5c6c7c8c9cacb"
        + "40096524333dd019d090b7e97ee1a6191c22b16c68b749ed729a11516b2021e9"
        + "9c4ac920b3c112c5a1638fd716a28b62";

    private const string ExpectedBlob =
        "01" + "4b"
        + "61726e3a6177733a6b6d733a75732d656173742d313a3131313132323232333333333a6b65792f"
        + "31323334616263642d313261622d333463642d353665662d313233343536373839306162"
        + ExpectedMaterialId
        + "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
        + "b0b1b2b3b4b5b6b7b8b9babb"
        + "46ecad51635a2e168d8e"
        + "bb856c852c966d5e9617684af9f4fc7c";

    private static readonly byte[] Plaintext = "Hello, KMS"u8.ToArray();

    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();
    private readonly WrappedBackingKey _backingKey;
    private readonly EncryptionContext _context = TestKeys.Context(("purpose", "test"), ("app", "kat"));

    public SoftwareHsaTests()
    {
        _backingKey = _hsa.GenerateBackingKey(TestKeys.KeyArn);
    }

    public void Dispose() => _hsa.Dispose();

    [Fact]
    public void ImportBackingKey_FixedRootMaterialAndIv_ProducesKnownWrappedKey()
    {
        using var hsa = FixedRootHsa();

        var wrapped = hsa.ImportBackingKey(TestKeys.KeyArn, TestKeys.Sequence(0x40, 32), TestKeys.Sequence(0xc0, 12));

        Assert.Equal(ExpectedMaterialId, wrapped.MaterialId);
        Assert.Equal(Convert.FromHexString(ExpectedWrapped), wrapped.Wrapped);
    }

    [Fact]
    public void Encrypt_FixedMaterialNonceAndIv_ProducesKnownBlob()
    {
        using var hsa = FixedRootHsa();
        var wrapped = hsa.ImportBackingKey(TestKeys.KeyArn, TestKeys.Sequence(0x40, 32));

        var blob = hsa.Encrypt(TestKeys.KeyArn, wrapped, Plaintext, _context, TestKeys.Sequence(0xa0, 16), TestKeys.Sequence(0xb0, 12));

        Assert.Equal(Convert.FromHexString(ExpectedBlob), blob);
    }

    // The per-request key is one HMAC on a pooled context; it must stay byte for byte SP800108HmacCounterKdf's output,
    // or blobs made before would no longer decrypt.
    [Fact]
    public void Encrypt_RandomNoncesAndIvs_MatchesOneShotKdfAndAesGcm()
    {
        var material = TestKeys.Sequence(0x40, 32);
        var wrapped = _hsa.ImportBackingKey(TestKeys.KeyArn, material);
        var arnLength = Encoding.UTF8.GetByteCount(TestKeys.KeyArn);
        var headerLength = 2 + arnLength + 32 + 16 + 12;

        for (var i = 0; i < 50; i++)
        {
            var nonce = RandomNumberGenerator.GetBytes(16);
            var iv = RandomNumberGenerator.GetBytes(12);
            var plaintext = RandomNumberGenerator.GetBytes(i * 7);

            var blob = _hsa.Encrypt(TestKeys.KeyArn, wrapped, plaintext, _context, nonce, iv);

            var key = new byte[32];
            SP800108HmacCounterKdf.DeriveBytes(material, HashAlgorithmName.SHA256, "KmsService encrypt v1"u8, nonce, key);
            var aad = blob.AsSpan(0, headerLength).ToArray().Concat(_context.Canonical.ToArray()).ToArray();
            var ciphertext = new byte[plaintext.Length];
            var tag = new byte[16];
            using (var aes = new AesGcm(key, 16))
            {
                aes.Encrypt(iv, plaintext, ciphertext, tag, aad);
            }

            Assert.Equal(nonce, blob.AsSpan(2 + arnLength + 32, 16).ToArray());
            Assert.Equal(iv, blob.AsSpan(2 + arnLength + 32 + 16, 12).ToArray());
            Assert.Equal(ciphertext, blob.AsSpan(headerLength, plaintext.Length).ToArray());
            Assert.Equal(tag, blob.AsSpan(headerLength + plaintext.Length).ToArray());
        }
    }

    [Fact]
    public void Decrypt_KnownBlobWithSeededMaterialUnderAnyRootKey_ReturnsPlaintext()
    {
        // Seeded material gives reproducible ciphertexts across fresh databases, whatever their root key.
        var wrapped = _hsa.ImportBackingKey(TestKeys.KeyArn, TestKeys.Sequence(0x40, 32));

        var plaintext = _hsa.Decrypt(TestKeys.KeyArn, wrapped, Convert.FromHexString(ExpectedBlob), _context);

        Assert.Equal(Plaintext, plaintext);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    public void Decrypt_BlobFromEncrypt_ReturnsPlaintext(int length)
    {
        var plaintext = RandomNumberGenerator.GetBytes(length);

        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, plaintext, _context);

        Assert.Equal(plaintext, _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, _context));
    }

    [Fact]
    public void Encrypt_SamePlaintextTwice_UsesFreshNonceAndIv()
    {
        var a = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var b = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);

        var nonceOffset = 2 + Encoding.UTF8.GetByteCount(TestKeys.KeyArn) + 32;
        var ivOffset = nonceOffset + 16;
        Assert.NotEqual(a.AsSpan(nonceOffset, 16).ToArray(), b.AsSpan(nonceOffset, 16).ToArray());
        Assert.NotEqual(a.AsSpan(ivOffset, 12).ToArray(), b.AsSpan(ivOffset, 12).ToArray());
        Assert.NotEqual(a.AsSpan(ivOffset + 12).ToArray(), b.AsSpan(ivOffset + 12).ToArray());
    }

    [Fact]
    public void Encrypt_4096BytesUnderLongestArn_BlobFitsIn6144Bytes()
    {
        var longArn = "arn:aws:kms:us-east-1:111122223333:key/" + new string('k', CiphertextBlob.MaxKeyArnLength - 39);
        Assert.Equal(CiphertextBlob.MaxKeyArnLength, longArn.Length);
        var backingKey = _hsa.GenerateBackingKey(longArn);

        var blob = _hsa.Encrypt(longArn, backingKey, new byte[4096], EncryptionContext.Empty);

        Assert.True(blob.Length <= 6144, $"blob is {blob.Length} bytes");
        Assert.Equal(4096 + 78 + CiphertextBlob.MaxKeyArnLength, blob.Length);
    }

    [Fact]
    public void Encrypt_PlaintextOver4096Bytes_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _hsa.Encrypt(TestKeys.KeyArn, _backingKey, new byte[4097], _context));
    }

    [Fact]
    public void Encrypt_ArnOver255Bytes_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => _hsa.GenerateBackingKey(new string('a', 256)));
    }

    [Fact]
    public void Decrypt_EachByteFlipped_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);

        for (var i = 0; i < blob.Length; i++)
        {
            foreach (var mask in new byte[] { 0x01, 0x80 })
            {
                var tampered = (byte[])blob.Clone();
                tampered[i] ^= mask;

                AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, tampered, _context));
            }
        }
    }

    [Fact]
    public void Decrypt_EveryTruncation_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);

        for (var length = 0; length < blob.Length; length++)
        {
            var truncated = blob[..length];
            AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, truncated, _context));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Decrypt_AppendedBytes_ThrowsInvalidCiphertext(int extra)
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var extended = new byte[blob.Length + extra];
        blob.CopyTo(extended, 0);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, extended, _context));
    }

    [Fact]
    public void Decrypt_OtherVersion_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        blob[0] = 0x02;

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, _context));
    }

    [Fact]
    public void Decrypt_WithOtherContextValue_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var other = TestKeys.Context(("purpose", "Test"), ("app", "kat"));

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, other));
    }

    [Fact]
    public void Decrypt_WithoutContext_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, EncryptionContext.Empty));
    }

    [Fact]
    public void Decrypt_WithExtraContextPair_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var extra = TestKeys.Context(("purpose", "test"), ("app", "kat"), ("extra", ""));

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, extra));
    }

    [Fact]
    public void Decrypt_WithContextWhenEncryptedWithout_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, EncryptionContext.Empty);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, _context));
    }

    [Fact]
    public void Decrypt_ContextPairsInOtherOrder_ReturnsPlaintext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, TestKeys.Context(("a", "1"), ("b", "2"), ("c", "3")));

        var plaintext = _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, TestKeys.Context(("c", "3"), ("b", "2"), ("a", "1")));

        Assert.Equal(Plaintext, plaintext);
    }

    [Fact]
    public void Decrypt_LargeContext_ReturnsPlaintext()
    {
        // A context whose canonical form does not fit the stack buffer for associated data.
        var context = TestKeys.Context(("big", new string('x', 4000)), ("other", "y"));
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, context);

        Assert.Equal(Plaintext, _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, context));
        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, TestKeys.Context(("big", new string('x', 3999) + "z"), ("other", "y"))));
    }

    [Fact]
    public void Decrypt_UnderOtherKeyArn_ThrowsInvalidCiphertext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var otherBackingKey = _hsa.GenerateBackingKey(TestKeys.OtherKeyArn);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.OtherKeyArn, otherBackingKey, blob, _context));
    }

    [Fact]
    public void Decrypt_UnderOtherArnSharingSeededMaterial_ThrowsInvalidCiphertext()
    {
        // Two keys seeded with the same material share a material id; a blob of one must not open under the other,
        // although the other's backing key unwraps and the AEAD alone would accept it (the header is the blob's own).
        var material = TestKeys.Sequence(0x40, 32);
        var mine = _hsa.ImportBackingKey(TestKeys.KeyArn, material);
        var theirs = _hsa.ImportBackingKey(TestKeys.OtherKeyArn, material);
        var blob = _hsa.Encrypt(TestKeys.KeyArn, mine, Plaintext, _context);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.OtherKeyArn, theirs, blob, _context));
    }

    [Fact]
    public void Decrypt_WithOtherBackingKeyOfSameKey_ThrowsInvalidCiphertext()
    {
        // After rotation: the header names the old backing key, the caller passed the new one.
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var rotated = _hsa.GenerateBackingKey(TestKeys.KeyArn);

        AssertInvalidCiphertext(() => _hsa.Decrypt(TestKeys.KeyArn, rotated, blob, _context));
    }

    [Fact]
    public void Decrypt_HeaderNamesOtherKeyOrBackingKey_RejectsBeforeUnwrapping()
    {
        using var hsa = TestKeys.NewHsa();
        var mine = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var rotated = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var theirs = hsa.GenerateBackingKey(TestKeys.OtherKeyArn);
        var blob = hsa.Encrypt(TestKeys.KeyArn, mine, Plaintext, _context);
        hsa.Evict(TestKeys.KeyArn);
        var unwraps = hsa.UnwrapCount;

        AssertInvalidCiphertext(() => hsa.Decrypt(TestKeys.KeyArn, rotated, blob, _context));
        AssertInvalidCiphertext(() => hsa.Decrypt(TestKeys.OtherKeyArn, theirs, blob, _context));

        Assert.Equal(unwraps, hsa.UnwrapCount);
    }

    [Fact]
    public void Decrypt_WithOldBackingKeyAfterRotation_ReturnsPlaintext()
    {
        var blob = _hsa.Encrypt(TestKeys.KeyArn, _backingKey, Plaintext, _context);
        var rotated = _hsa.GenerateBackingKey(TestKeys.KeyArn);
        _ = _hsa.Encrypt(TestKeys.KeyArn, rotated, Plaintext, _context);

        Assert.True(CiphertextBlob.TryReadHeader(blob, out var header));
        Assert.Equal(_backingKey.MaterialId, header.MaterialId);
        Assert.Equal(Plaintext, _hsa.Decrypt(TestKeys.KeyArn, _backingKey, blob, _context));
    }

    [Fact]
    public void Encrypt_WrappedKeyMovedToOtherArn_ThrowsCryptographicException()
    {
        using var hsa = TestKeys.NewHsa();
        var wrapped = hsa.GenerateBackingKey(TestKeys.KeyArn);

        Assert.Throws<CryptographicException>(() => hsa.Encrypt(TestKeys.OtherKeyArn, wrapped, Plaintext, _context));
    }

    [Fact]
    public void Decrypt_WrappedKeyOfOtherArnWithSameMaterial_ThrowsCryptographicException()
    {
        // Same seeded material for two keys gives the same material id; the wrapped bytes still belong to one row.
        var material = TestKeys.Sequence(0x40, 32);
        using var writer = FixedRootHsa();
        var mine = writer.ImportBackingKey(TestKeys.KeyArn, material);
        var theirs = writer.ImportBackingKey(TestKeys.OtherKeyArn, material);
        var blob = writer.Encrypt(TestKeys.KeyArn, mine, Plaintext, _context);
        using var reader = FixedRootHsa();

        Assert.Throws<CryptographicException>(() =>
            reader.Decrypt(TestKeys.KeyArn, new WrappedBackingKey(mine.MaterialId, theirs.Wrapped), blob, _context));
    }

    [Fact]
    public void Encrypt_WrappedKeyRelabelled_ThrowsCryptographicException()
    {
        using var hsa = TestKeys.NewHsa();
        var wrapped = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var other = hsa.GenerateBackingKey(TestKeys.KeyArn);

        Assert.Throws<CryptographicException>(() =>
            hsa.Encrypt(TestKeys.KeyArn, new WrappedBackingKey(other.MaterialId, wrapped.Wrapped), Plaintext, _context));
    }

    [Fact]
    public void Encrypt_WrappedKeyWhoseIdIsNotItsMaterials_ThrowsCryptographicException()
    {
        // Well-formed and correctly bound to its ARN and id under the right root key, but the id belongs to other material.
        using var hsa = FixedRootHsa();
        var wrongId = KeyMaterialId.Compute(TestKeys.Sequence(0x60, 32));
        var iv = TestKeys.Sequence(0xc0, 12);
        var aad = new List<byte>();
        aad.AddRange([0, 0, 0, (byte)TestKeys.KeyArn.Length]);
        aad.AddRange(Encoding.UTF8.GetBytes(TestKeys.KeyArn));
        aad.AddRange([0, 0, 0, 64]);
        aad.AddRange(Encoding.ASCII.GetBytes(wrongId));
        var wrapped = new byte[61];
        wrapped[0] = 0x01;
        iv.CopyTo(wrapped, 1);
        using (var gcm = new AesGcm(TestKeys.Sequence(0, 32), 16))
        {
            gcm.Encrypt(iv, TestKeys.Sequence(0x40, 32), wrapped.AsSpan(13, 32), wrapped.AsSpan(45, 16), aad.ToArray());
        }

        Assert.Throws<CryptographicException>(() =>
            hsa.Encrypt(TestKeys.KeyArn, new WrappedBackingKey(wrongId, wrapped), Plaintext, _context));
    }

    [Fact]
    public void Encrypt_WrappedKeyUnderOtherRootKey_ThrowsCryptographicException()
    {
        using var other = TestKeys.NewHsa();
        var wrapped = other.GenerateBackingKey(TestKeys.KeyArn);

        Assert.Throws<CryptographicException>(() => _hsa.Encrypt(TestKeys.KeyArn, wrapped, Plaintext, _context));
    }

    [Fact]
    public void Encrypt_WrappedKeyEachByteFlipped_ThrowsCryptographicException()
    {
        using var hsa = TestKeys.NewHsa();
        var wrapped = hsa.GenerateBackingKey(TestKeys.KeyArn);

        for (var i = 0; i < wrapped.Wrapped.Length; i++)
        {
            var tampered = (byte[])wrapped.Wrapped.Clone();
            tampered[i] ^= 0x01;

            Assert.Throws<CryptographicException>(() =>
                hsa.Encrypt(TestKeys.KeyArn, wrapped with { Wrapped = tampered }, Plaintext, _context));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    public void ImportBackingKey_NotExactly32Bytes_ThrowsArgumentExceptionWithoutKeyBytes(int length)
    {
        var material = Enumerable.Repeat((byte)0xab, length).ToArray();

        var ex = Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, material));

        Assert.Equal("material", ex.ParamName);
        Assert.DoesNotContain("ab", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("171", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decrypt_AfterDispose_ThrowsObjectDisposed()
    {
        var hsa = TestKeys.NewHsa();
        var wrapped = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var blob = hsa.Encrypt(TestKeys.KeyArn, wrapped, Plaintext, _context);

        hsa.Dispose();

        Assert.Throws<ObjectDisposedException>(() => hsa.Decrypt(TestKeys.KeyArn, wrapped, blob, _context));
    }

    [Fact]
    public void Dispose_Hsa_ZeroesRootKey()
    {
        var root = KeyMaterial.CopyFrom(TestKeys.Sequence(0, 32));
        var hsa = new SoftwareHsa(root, new ManualTimeProvider());
        Assert.False(root.IsZeroed);

        hsa.Dispose();

        Assert.True(root.IsZeroed);
    }

    [Fact]
    public void Constructor_RootKeyNot32Bytes_ThrowsArgumentException()
    {
        using var root = KeyMaterial.Generate(16);

        Assert.Throws<ArgumentException>(() => new SoftwareHsa(root, new ManualTimeProvider()));
    }

    private static SoftwareHsa FixedRootHsa() =>
        new(KeyMaterial.CopyFrom(TestKeys.Sequence(0, 32)), new ManualTimeProvider());

    private static void AssertInvalidCiphertext(Action decrypt)
    {
        var ex = Assert.Throws<InvalidCiphertextException>(decrypt);
        Assert.False(ex.HasMessage);
        Assert.Equal(string.Empty, ex.Message);
    }
}
