using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>The HSA's wrapping of variable-length private material (format 0x02) and its operations on it.</summary>
public sealed class SoftwareHsaKeyPairTests : IDisposable
{
    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    [Theory]
    [InlineData(KeySpec.EccNistP256)]
    [InlineData(KeySpec.Hmac224)]
    [InlineData(KeySpec.Rsa2048)]
    public void GenerateBackingKey_OtherSpec_WrapsVariableLengthMaterialThatUnwrapsOnlyForItsKey(KeySpec spec)
    {
        var wrapped = _hsa.GenerateBackingKey(TestKeys.KeyArn, spec);

        Assert.Equal(0x02, wrapped.Wrapped[0]);
        Assert.True(_hsa.Unwraps(TestKeys.KeyArn, wrapped));
        Assert.False(_hsa.Unwraps(TestKeys.OtherKeyArn, wrapped));
        using var other = TestKeys.NewHsa();
        Assert.False(other.Unwraps(TestKeys.KeyArn, wrapped));
    }

    [Fact]
    public void Unwrap_EachByteOfAWrappedKeyPairFlipped_Fails()
    {
        var wrapped = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.EccNistP256);
        for (var i = 1; i < wrapped.Wrapped.Length; i++)
        {
            var copy = wrapped.Wrapped.ToArray();
            copy[i] ^= 0x01;
            Assert.False(_hsa.Unwraps(TestKeys.KeyArn, wrapped with { Wrapped = copy }), $"byte {i}");
        }
    }

    [Fact]
    public void ImportBackingKey_SamePkcs8_GivesTheSameMaterialIdAndPublicKey()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var pkcs8 = ec.ExportPkcs8PrivateKey();

        var a = _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.EccNistP384, pkcs8);
        using var other = TestKeys.NewHsa();
        var b = other.ImportBackingKey(TestKeys.KeyArn, KeySpec.EccNistP384, pkcs8);

        Assert.Equal(a.MaterialId, b.MaterialId);
        Assert.Equal(ec.ExportSubjectPublicKeyInfo(), _hsa.GetPublicKey(TestKeys.KeyArn, KeySpec.EccNistP384, a));
    }

    [Theory]
    [InlineData(KeySpec.EccNistP256)]
    [InlineData(KeySpec.Rsa2048)]
    [InlineData(KeySpec.Hmac256)]
    public void ImportBackingKey_MaterialOfAnotherSpec_ThrowsArgumentException(KeySpec spec)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, spec, ec.ExportPkcs8PrivateKey()));
    }

    [Fact]
    public void SymmetricEncrypt_WithAnHmacBackingKey_IsRefusedAlsoWhenRelabelledAsSymmetric()
    {
        // HMAC_256 material is 32 bytes, so its wrapped form has the length of a symmetric one.
        var hmac = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.Hmac256);
        Assert.Throws<CryptographicException>(() => _hsa.Encrypt(TestKeys.KeyArn, hmac, [1, 2, 3], TestKeys.Context()));

        var relabelled = hmac.Wrapped.ToArray();
        relabelled[0] = 0x01;
        Assert.False(_hsa.Unwraps(TestKeys.KeyArn, hmac with { Wrapped = relabelled }));
    }

    [Theory]
    [InlineData(SigningAlgorithmSpec.EcdsaSha256, MessageType.Raw)]
    [InlineData(SigningAlgorithmSpec.EcdsaSha256, MessageType.Digest)]
    public void Sign_EcdsaP256_VerifiesWithThePublicKeyOutsideTheHsa(SigningAlgorithmSpec algorithm, MessageType type)
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.EccNistP256);
        var message = type == MessageType.Raw ? TestKeys.Sequence(0, 100) : SHA256.HashData(TestKeys.Sequence(0, 100));

        var signature = _hsa.Sign(TestKeys.KeyArn, KeySpec.EccNistP256, key, algorithm, type, message);

        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(_hsa.GetPublicKey(TestKeys.KeyArn, KeySpec.EccNistP256, key), out _);
        Assert.True(ec.VerifyData(TestKeys.Sequence(0, 100), signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Assert.True(_hsa.Verify(TestKeys.KeyArn, KeySpec.EccNistP256, key, algorithm, type, message, signature));
        signature[^1] ^= 1;
        Assert.False(_hsa.Verify(TestKeys.KeyArn, KeySpec.EccNistP256, key, algorithm, type, message, signature));
    }

    [Fact]
    public void DecryptWithPrivateKey_RsaOaepCiphertextMadeOutside_ReturnsPlaintextAndWrongHashFails()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.Rsa2048);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_hsa.GetPublicKey(TestKeys.KeyArn, KeySpec.Rsa2048, key), out _);
        var ciphertext = rsa.Encrypt([7, 8, 9], RSAEncryptionPadding.OaepSHA256);

        Assert.Equal([7, 8, 9], _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, KeySpec.Rsa2048, key, EncryptionAlgorithmSpec.RsaesOaepSha256, ciphertext));
        Assert.Throws<InvalidCiphertextException>(() =>
            _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, KeySpec.Rsa2048, key, EncryptionAlgorithmSpec.RsaesOaepSha1, ciphertext));
        Assert.Throws<InvalidCiphertextException>(() =>
            _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, KeySpec.Rsa2048, key, EncryptionAlgorithmSpec.RsaesOaepSha256, ciphertext.AsSpan(1)));
    }

    [Fact]
    public void DeriveSharedSecret_MatchesWhatThePeerDerives()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.EccNistP256);
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var ours = ECDiffieHellman.Create();
        ours.ImportSubjectPublicKeyInfo(_hsa.GetPublicKey(TestKeys.KeyArn, KeySpec.EccNistP256, key), out _);

        var secret = _hsa.DeriveSharedSecret(TestKeys.KeyArn, KeySpec.EccNistP256, key, peer.ExportSubjectPublicKeyInfo());

        Assert.Equal(peer.DeriveRawSecretAgreement(ours.PublicKey), secret);
        using var otherCurve = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<ArgumentException>(() =>
            _hsa.DeriveSharedSecret(TestKeys.KeyArn, KeySpec.EccNistP256, key, otherCurve.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => _hsa.DeriveSharedSecret(TestKeys.KeyArn, KeySpec.EccNistP256, key, [0x30, 0x00]));
    }

    [Theory]
    [InlineData(DataKeyPairSpec.Rsa2048)]
    [InlineData(DataKeyPairSpec.EccSecgP256K1)]
    public void GenerateDataKeyPair_PublicKeyIsThePrivateKeysHalf(DataKeyPairSpec spec)
    {
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(spec);
        using AsymmetricAlgorithm key = spec == DataKeyPairSpec.Rsa2048 ? RSA.Create() : ECDsa.Create();
        key.ImportPkcs8PrivateKey(privateKey, out _);
        Assert.Equal(publicKey, key.ExportSubjectPublicKeyInfo());
    }
}

/// <summary>A signature of any form that is not the key's is a false Verify, never an exception (the service answers
/// KMSInvalidSignatureException for false and KMSInternalException for an exception).</summary>
public sealed class SoftwareHsaMalformedSignatureTests : IDisposable
{
    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    [Theory]
    [InlineData(KeySpec.EccNistEdwards25519, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, 10)]
    [InlineData(KeySpec.EccNistEdwards25519, SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, 64)]
    [InlineData(KeySpec.MlDsa44, SigningAlgorithmSpec.MlDsaShake256, MessageType.Raw, 10)]
    [InlineData(KeySpec.MlDsa87, SigningAlgorithmSpec.MlDsaShake256, MessageType.ExternalMu, 64)]
    [InlineData(KeySpec.Sm2, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, 10)]
    [InlineData(KeySpec.EccNistP521, SigningAlgorithmSpec.EcdsaSha512, MessageType.Raw, 10)]
    [InlineData(KeySpec.Rsa2048, SigningAlgorithmSpec.RsassaPssSha256, MessageType.Raw, 10)]
    public void Verify_GarbageOfAnyLength_IsFalse(KeySpec spec, SigningAlgorithmSpec algorithm, MessageType type, int messageLength)
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, spec);
        var message = TestKeys.Sequence(1, messageLength);
        var real = _hsa.Sign(TestKeys.KeyArn, spec, key, algorithm, type, message);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, spec, key, algorithm, type, message, real));

        foreach (var length in new[] { 1, 2, 8, 63, 64, 65, real.Length - 1, real.Length, real.Length + 1, 6144 })
        {
            foreach (var fill in new byte[] { 0x00, 0x30, 0xFF })
            {
                var garbage = Enumerable.Repeat(fill, length).ToArray();
                Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, algorithm, type, message, garbage), $"{length} x {fill:x2}");
            }
        }

        // DER-looking garbage: SEQUENCE { INTEGER 0, INTEGER 0 } and a truncated one.
        Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, algorithm, type, message, [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, algorithm, type, message, [0x30, 0x81]));
    }
}
