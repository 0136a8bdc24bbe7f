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

    [Fact]
    public async Task CreateKey_WithAsymmetricSpec_ThrowsUnsupportedOperation()
    {
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.RSA_2048, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct));
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
    public async Task CreateKey_WithExternalOrigin_ThrowsUnsupportedOperation()
    {
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL }, Ct));
    }
}

[Collection("sqlite")]
public sealed class CreateKeyTests_Sqlite(SqliteFixture f) : CreateKeyTests(f);

[Collection("postgres")]
public sealed class CreateKeyTests_Postgres(PostgresFixture f) : CreateKeyTests(f);
