using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

public abstract class CreateKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task CreateKey_WithNoInput_ReturnsSymmetricDefaultMetadata()
    {
        var before = DateTime.UtcNow.AddSeconds(-5);
        var meta = (await Kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        Assert.Equal("000000000000", meta.AWSAccountId);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", meta.KeyId);
        Assert.Equal($"arn:aws:kms:us-east-1:000000000000:key/{meta.KeyId}", meta.Arn);
        Assert.True(meta.CreationDate > before);
        Assert.True(meta.Enabled);
        Assert.Equal(string.Empty, meta.Description);
        Assert.Equal(KeyUsageType.ENCRYPT_DECRYPT, meta.KeyUsage);
        Assert.Equal(KeyState.Enabled, meta.KeyState);
        Assert.Equal(OriginType.AWS_KMS, meta.Origin);
        Assert.Equal(KeyManagerType.CUSTOMER, meta.KeyManager);
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, meta.KeySpec);
#pragma warning disable CS0618 // AWS still sends the deprecated twin; check it.
        Assert.Equal(CustomerMasterKeySpec.SYMMETRIC_DEFAULT, meta.CustomerMasterKeySpec);
#pragma warning restore CS0618
        Assert.Equal(["SYMMETRIC_DEFAULT"], meta.EncryptionAlgorithms);
        Assert.False(meta.MultiRegion);
        Assert.Matches("^[0-9a-f]{64}$", meta.CurrentKeyMaterialId);
        Assert.Null(meta.DeletionDate);
    }

    [Fact]
    public async Task CreateKey_WithDescriptionAndTags_StoresThem()
    {
        var meta = (await Kms.CreateKeyAsync(new CreateKeyRequest
        {
            Description = "orders service",
            Tags = [new Tag { TagKey = "team", TagValue = "payments" }],
        }, Ct)).KeyMetadata;

        var described = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = meta.KeyId }, Ct)).KeyMetadata;
        Assert.Equal("orders service", described.Description);
        Assert.Equal(meta.CreationDate, described.CreationDate);
    }

    [Theory]
    [InlineData("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256")]
    [InlineData("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", "RSASSA_PKCS1_V1_5_SHA_256,RSASSA_PKCS1_V1_5_SHA_384,RSASSA_PKCS1_V1_5_SHA_512,RSASSA_PSS_SHA_256,RSASSA_PSS_SHA_384,RSASSA_PSS_SHA_512")]
    [InlineData("RSA_4096", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", "RSAES_OAEP_SHA_1,RSAES_OAEP_SHA_256")]
    [InlineData("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", "ECDSA_SHA_512")]
    [InlineData("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P256", "KEY_AGREEMENT", "KeyAgreementAlgorithms", "ECDH")]
    [InlineData("ECC_NIST_P521", "KEY_AGREEMENT", "KeyAgreementAlgorithms", "ECDH")]
    [InlineData("HMAC_224", "GENERATE_VERIFY_MAC", "MacAlgorithms", "HMAC_SHA_224")]
    [InlineData("HMAC_256", "GENERATE_VERIFY_MAC", "MacAlgorithms", "HMAC_SHA_256")]
    [InlineData("HMAC_384", "GENERATE_VERIFY_MAC", "MacAlgorithms", "HMAC_SHA_384")]
    [InlineData("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", "HMAC_SHA_512")]
    public async Task CreateKey_OfEachSpecAndUsage_ReportsOnlyThatUsagesAlgorithms(string spec, string usage, string listed, string algorithms)
    {
        var meta = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;
        var described = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = meta.KeyId }, Ct)).KeyMetadata;

        foreach (var m in new[] { meta, described })
        {
            Assert.Equal(spec, m.KeySpec.Value);
            Assert.Equal(usage, m.KeyUsage.Value);
            Assert.Equal(KeyState.Enabled, m.KeyState);
            Assert.Null(m.CurrentKeyMaterialId); // AWS reports it only on symmetric encryption keys.
            AssertOnlyAlgorithms(m, listed, algorithms);
        }
    }

    /// <summary>Asserts that of the four algorithm lists of <paramref name="m"/> only <paramref name="listed"/> has
    /// entries, and that they are <paramref name="algorithms"/> (comma-separated, in order).</summary>
    internal static void AssertOnlyAlgorithms(KeyMetadata m, string listed, string algorithms)
    {
        var lists = new Dictionary<string, List<string>?>
        {
            ["EncryptionAlgorithms"] = m.EncryptionAlgorithms,
            ["SigningAlgorithms"] = m.SigningAlgorithms,
            ["KeyAgreementAlgorithms"] = m.KeyAgreementAlgorithms,
            ["MacAlgorithms"] = m.MacAlgorithms,
        };
        foreach (var (name, list) in lists)
        {
            // The SDK reads an absent list as empty.
            Assert.Equal(name == listed ? algorithms.Split(',') : [], list ?? []);
        }
    }

    [Theory]
    [InlineData("RSA_2048", "KEY_AGREEMENT")]
    [InlineData("RSA_4096", "GENERATE_VERIFY_MAC")]
    [InlineData("ECC_NIST_P256", "ENCRYPT_DECRYPT")]
    [InlineData("ECC_SECG_P256K1", "KEY_AGREEMENT")]
    [InlineData("HMAC_256", "SIGN_VERIFY")]
    [InlineData("SYMMETRIC_DEFAULT", "SIGN_VERIFY")]
    [InlineData("ECC_NIST_EDWARDS25519", "ENCRYPT_DECRYPT")]
    [InlineData("ML_DSA_65", "KEY_AGREEMENT")]
    public async Task CreateKey_WithUsageTheSpecDoesNotOffer_ThrowsValidationWithAwsMessage(string spec, string usage)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"KeyUsage {usage} is not compatible with KeySpec {spec}", e.Message);
    }

    [Fact]
    public async Task CreateKey_Sm2OutsideChina_ThrowsUnsupportedOperationWithAwsMessage()
    {
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.SM2, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct));
        Assert.Equal("KeySpec SM2 is not supported in this Region", e.Message);
    }

    [Theory]
    [InlineData("RSA_2048")]
    [InlineData("ECC_NIST_P256")]
    [InlineData("HMAC_256")]
    public async Task RotationOfANonSymmetricKey_ThrowsUnsupportedOperation(string spec)
    {
        var usage = spec.StartsWith("HMAC", StringComparison.Ordinal) ? "GENERATE_VERIFY_MAC" : "SIGN_VERIFY";
        var meta = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;
        await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = meta.KeyId }, Ct));
        await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = meta.KeyId }, Ct));
        await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = meta.KeyId }, Ct));
    }

    [Theory]
    [InlineData("RSA_2048", "SIGN_VERIFY")]
    [InlineData("HMAC_256", "GENERATE_VERIFY_MAC")]
    [InlineData("ECC_NIST_P256", "KEY_AGREEMENT")]
    public async Task EncryptWithAKeyOfAnotherUsage_ThrowsInvalidKeyUsageWithAwsMessage(string spec, string usage)
    {
        var meta = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() =>
            Kms.EncryptAsync(new EncryptRequest { KeyId = meta.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct));
        Assert.Equal($"{meta.Arn} key usage is {usage} which is not valid for Encrypt.", e.Message);
        await Assert.ThrowsAsync<InvalidKeyUsageException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = meta.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct));
    }

    [Fact]
    public async Task CreateKey_HmacSpecWithoutUsage_ThrowsValidationWithAwsMessage()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.HMAC_256 }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithUnknownKeySpec_ThrowsValidationNamingTheMember()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec("HMAC_random") }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithTooLongDescription_ThrowsValidation()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { Description = new string('d', 8193) }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.EndsWith("at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithPolicyThatIsNotJson_ThrowsMalformedPolicyDocument()
    {
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { Policy = "{not json" }, Ct));
    }

    [Theory]
    [InlineData("aws:owner", "Tags beginning with aws: are reserved")]
    [InlineData("AWS:owner", "Tags beginning with aws: are reserved")]
    public async Task CreateKey_WithReservedTagKey_ThrowsTagException(string tagKey, string message)
    {
        var e = await Assert.ThrowsAsync<TagException>(() => Kms.CreateKeyAsync(new CreateKeyRequest
        {
            Tags = [new Tag { TagKey = tagKey, TagValue = "x" }],
        }, Ct));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task CreateKey_With51Tags_ThrowsTooManyTags()
    {
        var tags = Enumerable.Range(0, 51).Select(i => new Tag { TagKey = $"k{i}", TagValue = "v" }).ToList();
        var e = await Assert.ThrowsAsync<TagException>(() => Kms.CreateKeyAsync(new CreateKeyRequest { Tags = tags }, Ct));
        Assert.Equal("Too many tags", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithDuplicateTagKeys_ThrowsDuplicateTagKeys()
    {
        var e = await Assert.ThrowsAsync<TagException>(() => Kms.CreateKeyAsync(new CreateKeyRequest
        {
            Tags = [new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "a", TagValue = "2" }],
        }, Ct));
        Assert.Equal("Duplicate tag keys", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithTooLongTagKey_ThrowsValidationNamingTheTag()
    {
        var key = new string('k', 129);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.CreateKeyAsync(new CreateKeyRequest
        {
            Tags = [new Tag { TagKey = key, TagValue = "v" }],
        }, Ct));
        Assert.Equal($"1 validation error detected: Value '{key}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128", e.Message);
    }

    [Fact]
    public async Task CreateKey_WithCloudHsmOriginAndNoKeyStore_ThrowsValidation()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.AWS_CLOUDHSM }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class CreateKeyTests_Sqlite(SqliteFixture f) : CreateKeyTests(f);

[Collection("postgres")]
public sealed class CreateKeyTests_Postgres(PostgresFixture f) : CreateKeyTests(f);
