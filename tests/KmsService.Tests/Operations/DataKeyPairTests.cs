using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Tests.Infrastructure;
using CoreKeySpec = KmsService.Core.Keys.KeySpec;

namespace KmsService.Tests.Operations;

/// <summary>GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a key pair for use outside KMS, the private
/// key sealed under a symmetric KMS key.</summary>
public abstract class DataKeyPairTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private static Dictionary<string, string> Context => new() { ["tenant"] = "acme" };

    public static TheoryData<string> Specs => new(
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519");

    // Ed25519 (and SM2) come with the BouncyCastle schemes; until then the service answers UnsupportedOperationException.
    private static void SkipUnlessSupported(string spec) =>
        Assert.SkipUnless(KeySchemes.Supports(Core.Keys.WireNames<CoreKeySpec>.Parse(spec)), $"KmsService has no {spec} scheme yet.");

    /// <summary>The public key of a PKCS #8 private key, as .NET computes it (RSA and the Weierstrass curves), or null
    /// where .NET cannot read the key (Ed25519, SM2).</summary>
    private static byte[]? PublicKeyOf(string spec, byte[] pkcs8)
    {
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out var read);
            Assert.Equal(pkcs8.Length, read);
            Assert.Equal(int.Parse(spec[4..], System.Globalization.CultureInfo.InvariantCulture), rsa.KeySize);
            return rsa.ExportSubjectPublicKeyInfo();
        }

        if (spec is "ECC_NIST_EDWARDS25519" or "SM2")
        {
            return null;
        }

        using var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(pkcs8, out var used);
        Assert.Equal(pkcs8.Length, used);
        return ec.ExportSubjectPublicKeyInfo();
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task GenerateDataKeyPair_OfEachSpec_ReturnsAMatchingPairWhosePrivateKeyDecrypts(string spec)
    {
        SkipUnlessSupported(spec);
        var key = await CreateKeyAsync();

        var pair = await Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest
        {
            KeyId = key.KeyId,
            KeyPairSpec = new DataKeyPairSpec(spec),
            EncryptionContext = Context,
        }, Ct);

        Assert.Equal(key.Arn, pair.KeyId);
        Assert.Equal(spec, pair.KeyPairSpec.Value);
        Assert.Equal(key.CurrentKeyMaterialId, pair.KeyMaterialId);
        var privateKey = pair.PrivateKeyPlaintext.ToArray();
        var publicKey = pair.PublicKey.ToArray();
        if (PublicKeyOf(spec, privateKey) is { } derived)
        {
            Assert.Equal(derived, publicKey);
        }

        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = pair.PrivateKeyCiphertextBlob, EncryptionContext = Context }, Ct);
        Assert.Equal(privateKey, decrypted.Plaintext.ToArray());
        Assert.Equal(key.Arn, decrypted.KeyId);
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task GenerateDataKeyPairWithoutPlaintext_OfEachSpec_ReturnsAPublicKeyMatchingTheSealedPrivateKey(string spec)
    {
        SkipUnlessSupported(spec);
        var key = await CreateKeyAsync();

        var pair = await Kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest
        {
            KeyId = key.Arn,
            KeyPairSpec = new DataKeyPairSpec(spec),
        }, Ct);

        Assert.Equal(key.Arn, pair.KeyId);
        Assert.Equal(spec, pair.KeyPairSpec.Value);
        Assert.Equal(key.CurrentKeyMaterialId, pair.KeyMaterialId);
        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = pair.PrivateKeyCiphertextBlob }, Ct);
        if (PublicKeyOf(spec, decrypted.Plaintext.ToArray()) is { } derived)
        {
            Assert.Equal(derived, pair.PublicKey.ToArray());
        }
    }

    [Fact]
    public async Task GenerateDataKeyPair_Twice_ReturnsDifferentPairs()
    {
        var key = await CreateKeyAsync();
        var request = new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 };
        var first = await Kms.GenerateDataKeyPairAsync(request, Ct);
        var second = await Kms.GenerateDataKeyPairAsync(request, Ct);
        Assert.NotEqual(first.PublicKey.ToArray(), second.PublicKey.ToArray());
    }

    [Fact]
    public async Task Decrypt_PrivateKeyBlobWithoutItsEncryptionContext_ThrowsInvalidCiphertext()
    {
        var key = await CreateKeyAsync();
        var pair = await Kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest
        {
            KeyId = key.KeyId,
            KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256,
            EncryptionContext = Context,
        }, Ct);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = pair.PrivateKeyCiphertextBlob }, Ct));
    }

    [Fact]
    public async Task GenerateDataKeyPair_UnderAnRsaEncryptionKey_ThrowsInvalidKeyUsage()
    {
        var rsa = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.RSA_2048, KeyUsage = KeyUsageType.ENCRYPT_DECRYPT }, Ct)).KeyMetadata;
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = rsa.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }, Ct));
        Assert.Equal("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.", e.Message);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "SIGN_VERIFY")]
    [InlineData("HMAC_256", "GENERATE_VERIFY_MAC")]
    [InlineData("ECC_NIST_P384", "KEY_AGREEMENT")]
    public async Task GenerateDataKeyPair_UnderAKeyOfAnotherUsage_ThrowsInvalidKeyUsage(string spec, string usage)
    {
        var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048 }, Ct));
        Assert.Equal($"{key.Arn} key usage is {usage} which is not valid for GenerateDataKeyPair.", e.Message);
        e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048 }, Ct));
        Assert.Equal($"{key.Arn} key usage is {usage} which is not valid for GenerateDataKeyPairWithoutPlaintext.", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_WithoutKeyPairSpec_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_WithUnknownKeyPairSpec_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = new DataKeyPairSpec("RSA_1024") }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: [", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_Sm2OutsideTheChinaRegions_ThrowsUnsupportedOperation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.SM2 }, Ct));
        Assert.Equal("KeyPairSpec SM2 is not supported in this Region", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_WithRecipient_ThrowsUnsupportedOperation()
    {
        // Outside a Nitro enclave there is no attestation document to honour; the service says so, as Decrypt and
        // GenerateDataKey do.
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest
        {
            KeyId = key.KeyId,
            KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256,
            Recipient = new RecipientInfo { KeyEncryptionAlgorithm = KeyEncryptionMechanism.RSAES_OAEP_SHA_256, AttestationDocument = new MemoryStream([1, 2, 3]) },
        }, Ct));
        Assert.Equal("KmsService does not support the Recipient parameter (Nitro Enclaves attestation).", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPairAndWithoutPlaintext_DryRun_ThrowDryRunOperation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048, DryRun = true }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
        e = await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048, DryRun = true }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_UnderDisabledKey_ThrowsDisabled()
    {
        var key = await CreateKeyAsync();
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var e = await Assert.ThrowsAsync<DisabledException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }, Ct));
        Assert.Equal($"{key.Arn} is disabled.", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPairWithoutPlaintext_UnderKeyPendingDeletion_ThrowsInvalidState()
    {
        var key = await CreateKeyAsync();
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }, Ct));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.GenerateDataKeyPairAsync(
            new GenerateDataKeyPairRequest { KeyId = id, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }, Ct));
        Assert.Equal($"Key 'arn:aws:kms:us-east-1:000000000000:key/{id}' does not exist", e.Message);
    }

    [Fact]
    public async Task GenerateDataKeyPair_WithMalformedGrantToken_ThrowsInvalidGrantToken()
    {
        var key = await CreateKeyAsync();
        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest
        {
            KeyId = key.KeyId,
            KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256,
            GrantTokens = ["not-a-grant-token"],
        }, Ct));
    }

    [Fact]
    public async Task GenerateDataKeyPair_KeyPolicyLimitingDataKeyPairSpec_AllowsOnlyThatSpec()
    {
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest
        {
            Policy = $$"""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": "kms:*", "Resource": "*"},
                  {"Sid": "OnlyP256", "Effect": "Deny", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": "kms:GenerateDataKeyPair*",
                   "Resource": "*", "Condition": {"StringNotEquals": {"kms:DataKeyPairSpec": "ECC_NIST_P256"} } }
                ]}
                """,
        }, Ct)).KeyMetadata;

        await Alice.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }, Ct);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Alice.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P384 }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class DataKeyPairTests_Sqlite(SqliteFixture f) : DataKeyPairTests(f);

[Collection("postgres")]
public sealed class DataKeyPairTests_Postgres(PostgresFixture f) : DataKeyPairTests(f);
