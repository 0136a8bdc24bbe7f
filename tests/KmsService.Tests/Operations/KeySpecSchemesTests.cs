using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>CreateKey and DescribeKey of the specs whose cryptography comes from BouncyCastle (Ed25519, ML-DSA, SM2):
/// the keys are made, and report AWS's algorithm lists for their usage.</summary>
public abstract class KeySpecSchemesTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Theory]
    [InlineData("us-east-1", "ECC_NIST_EDWARDS25519", "SIGN_VERIFY", "SigningAlgorithms", "ED25519_SHA_512,ED25519_PH_SHA_512")]
    [InlineData("us-east-1", "ML_DSA_44", "SIGN_VERIFY", "SigningAlgorithms", "ML_DSA_SHAKE_256")]
    [InlineData("us-east-1", "ML_DSA_65", "SIGN_VERIFY", "SigningAlgorithms", "ML_DSA_SHAKE_256")]
    [InlineData("us-east-1", "ML_DSA_87", "SIGN_VERIFY", "SigningAlgorithms", "ML_DSA_SHAKE_256")]
    [InlineData("cn-north-1", "SM2", "SIGN_VERIFY", "SigningAlgorithms", "SM2DSA")]
    [InlineData("cn-north-1", "SM2", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", "SM2PKE")]
    [InlineData("cn-north-1", "SM2", "KEY_AGREEMENT", "KeyAgreementAlgorithms", "ECDH")]
    public async Task CreateKey_OfABouncyCastleSpec_ReportsOnlyThatUsagesAlgorithms(string region, string spec, string usage, string listed, string algorithms)
    {
        var kms = Server.Client(region: region);
        var meta = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = meta.KeyId }, Ct)).KeyMetadata;

        foreach (var m in new[] { meta, described })
        {
            Assert.StartsWith(region.StartsWith("cn-", StringComparison.Ordinal) ? $"arn:aws-cn:kms:{region}:" : $"arn:aws:kms:{region}:", m.Arn, StringComparison.Ordinal);
            Assert.Equal(spec, m.KeySpec.Value);
            Assert.Equal(usage, m.KeyUsage.Value);
            Assert.Equal(KeyState.Enabled, m.KeyState);
            CreateKeyTests.AssertOnlyAlgorithms(m, listed, algorithms);
        }
    }

    [Theory]
    [InlineData("SIGN_VERIFY")]
    [InlineData("ENCRYPT_DECRYPT")]
    [InlineData("KEY_AGREEMENT")]
    public async Task CreateKey_Sm2OutsideChina_StillThrowsUnsupportedOperation(string usage)
    {
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SM2, KeyUsage = new KeyUsageType(usage) }, Ct));
        Assert.Equal("KeySpec SM2 is not supported in this Region", e.Message);
    }

    [Theory]
    [InlineData("us-east-1", "ECC_NIST_EDWARDS25519", "KEY_AGREEMENT")]
    [InlineData("us-east-1", "ML_DSA_44", "ENCRYPT_DECRYPT")]
    [InlineData("cn-north-1", "SM2", "GENERATE_VERIFY_MAC")]
    public async Task CreateKey_WithAUsageTheSpecDoesNotOffer_ThrowsValidation(string region, string spec, string usage)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Server.Client(region: region).CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"KeyUsage {usage} is not compatible with KeySpec {spec}", e.Message);
    }

    [Theory]
    [InlineData("us-east-1", "ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "RAW", 100)]
    [InlineData("us-east-1", "ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "DIGEST", 64)]
    [InlineData("us-east-1", "ML_DSA_44", "ML_DSA_SHAKE_256", "RAW", 4096)]
    [InlineData("us-east-1", "ML_DSA_65", "ML_DSA_SHAKE_256", "EXTERNAL_MU", 64)]
    [InlineData("us-east-1", "ML_DSA_87", "ML_DSA_SHAKE_256", "RAW", 1)]
    [InlineData("cn-north-1", "SM2", "SM2DSA", "RAW", 100)]
    [InlineData("cn-north-1", "SM2", "SM2DSA", "DIGEST", 32)]
    public async Task SignAndVerify_BouncyCastleSpecs_RoundTripAndRefuseATamperedSignature(string region, string spec, string algorithm, string type, int length)
    {
        var kms = Server.Client(region: region);
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        var message = new byte[length];
        Random.Shared.NextBytes(message);

        var signed = await kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(message),
            MessageType = new MessageType(type),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
        }, Ct);
        Assert.Equal(key.Arn, signed.KeyId);
        var verified = await kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(message),
            MessageType = new MessageType(type),
            Signature = new MemoryStream(signed.Signature.ToArray()),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
        }, Ct);
        Assert.True(verified.SignatureValid);

        var tampered = signed.Signature.ToArray();
        tampered[tampered.Length / 2] ^= 0x01;
        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() => kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(message),
            MessageType = new MessageType(type),
            Signature = new MemoryStream(tampered),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
        }, Ct));

        var publicKey = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(spec, publicKey.KeySpec.Value);
        Assert.Equal([algorithm == "ED25519_PH_SHA_512" ? "ED25519_SHA_512" : algorithm, .. algorithm.StartsWith("ED25519", StringComparison.Ordinal) ? ["ED25519_PH_SHA_512"] : Array.Empty<string>()], publicKey.SigningAlgorithms);
    }

    [Theory]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "DIGEST", 64)]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "RAW", 64)]
    [InlineData("ML_DSA_44", "ML_DSA_SHAKE_256", "DIGEST", 64)]
    public async Task Sign_BouncyCastleSpecWithAMessageTypeItsAlgorithmRefuses_ThrowsValidation(string spec, string algorithm, string type, int length)
    {
        var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(new byte[length]),
            MessageType = new MessageType(type),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task Sm2_EncryptsWithSm2Pke_AgreesKeysAndMakesDataKeyPairs_InChinaOnly()
    {
        var kms = Server.Client(region: "cn-north-1");
        var encryptKey = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SM2, KeyUsage = KeyUsageType.ENCRYPT_DECRYPT }, Ct)).KeyMetadata;
        Assert.StartsWith("arn:aws-cn:kms:cn-north-1:", encryptKey.Arn, StringComparison.Ordinal);
        var plaintext = new byte[1024];
        Random.Shared.NextBytes(plaintext);
        var encrypted = await kms.EncryptAsync(new EncryptRequest
        {
            KeyId = encryptKey.KeyId,
            Plaintext = new MemoryStream(plaintext),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.SM2PKE,
        }, Ct);
        var decrypted = await kms.DecryptAsync(new DecryptRequest
        {
            KeyId = encryptKey.KeyId,
            CiphertextBlob = new MemoryStream(encrypted.CiphertextBlob.ToArray()),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.SM2PKE,
        }, Ct);
        Assert.Equal(plaintext, decrypted.Plaintext.ToArray());
        var tooLong = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.EncryptAsync(new EncryptRequest
        {
            KeyId = encryptKey.KeyId,
            Plaintext = new MemoryStream(new byte[1025]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.SM2PKE,
        }, Ct));
        Assert.Equal("ValidationException", tooLong.ErrorCode);

        // Two SM2 key agreement keys derive the same secret from each other's public keys.
        var a = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SM2, KeyUsage = KeyUsageType.KEY_AGREEMENT }, Ct)).KeyMetadata;
        var b = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SM2, KeyUsage = KeyUsageType.KEY_AGREEMENT }, Ct)).KeyMetadata;
        var publicA = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = a.KeyId }, Ct)).PublicKey.ToArray();
        var publicB = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = b.KeyId }, Ct)).PublicKey.ToArray();
        var ab = await kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = a.KeyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(publicB),
        }, Ct);
        var ba = await kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = b.KeyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(publicA),
        }, Ct);
        Assert.Equal(ab.SharedSecret.ToArray(), ba.SharedSecret.ToArray());
        Assert.Equal(32, ab.SharedSecret.Length);

        // SM2 data key pairs, under a symmetric key, in China; refused elsewhere.
        var symmetric = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var pair = await kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = symmetric.KeyId, KeyPairSpec = DataKeyPairSpec.SM2 }, Ct);
        var opened = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(pair.PrivateKeyCiphertextBlob.ToArray()) }, Ct);
        Assert.Equal(pair.PrivateKeyPlaintext.ToArray(), opened.Plaintext.ToArray());
        var usKey = await CreateKeyAsync();
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = usKey.KeyId, KeyPairSpec = DataKeyPairSpec.SM2 }, Ct));
    }

    [Fact]
    public async Task GenerateDataKeyPair_Ed25519_PrivateKeyDecryptsAndPublicKeyIsAnEd25519Spki()
    {
        var symmetric = await CreateKeyAsync();
        var pair = await Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = symmetric.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_EDWARDS25519 }, Ct);
        var opened = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(pair.PrivateKeyCiphertextBlob.ToArray()) }, Ct);
        Assert.Equal(pair.PrivateKeyPlaintext.ToArray(), opened.Plaintext.ToArray());

        // RFC 8410: SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) }.
        Assert.Equal(Convert.FromHexString("302a300506032b6570032100"), pair.PublicKey.ToArray()[..12]);
        Assert.Equal(44, pair.PublicKey.Length);
    }
}

[Collection("sqlite")]
public sealed class KeySpecSchemesTests_Sqlite(SqliteFixture f) : KeySpecSchemesTests(f);

[Collection("postgres")]
public sealed class KeySpecSchemesTests_Postgres(PostgresFixture f) : KeySpecSchemesTests(f);
