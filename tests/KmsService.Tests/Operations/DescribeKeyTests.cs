using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

public abstract class DescribeKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task DescribeKey_ByIdArnAliasAndAliasArn_ReturnsTheSameKey()
    {
        var alice = Alice;
        foreach (var keyId in new[]
        {
            TestSeed.PinnedKeyId,
            TestSeed.PinnedKeyArn,
            TestSeed.PinnedAlias,
            "arn:aws:kms:us-east-1:111122223333:" + TestSeed.PinnedAlias,
        })
        {
            var meta = (await alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata;
            Assert.Equal(TestSeed.PinnedKeyArn, meta.Arn);
            Assert.Equal("pinned for reproducible ciphertexts", meta.Description);
        }
    }

    [Fact]
    public async Task DescribeKey_UnknownKeyId_ThrowsNotFoundWithArnInCallersRegion()
    {
        var id = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Server.Client(region: "eu-west-1").DescribeKeyAsync(new DescribeKeyRequest { KeyId = id }, Ct));
        Assert.Equal($"Key 'arn:aws:kms:eu-west-1:000000000000:key/{id}' does not exist", e.Message);
    }

    [Theory]
    [InlineData("fake-key-id")]
    [InlineData("0b7a7c3e2f1d4c8e9a6b5d4c3b2a1f00")]
    [InlineData("mrk-fake-key-id")]
    public async Task DescribeKey_MalformedKeyId_ThrowsNotFoundInvalidKeyId(string keyId)
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct));
        Assert.Equal($"Invalid keyId '{keyId}'", e.Message);
    }

    [Fact]
    public async Task DescribeKey_ArnOfAnotherRegion_ThrowsNotFoundInvalidArn()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Server.Client(region: "eu-west-1").DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, Ct));
        Assert.Equal("Invalid arn us-east-1", e.Message);
    }

    [Theory]
    [InlineData("arn:aws-cn:kms:us-east-1:111122223333:key/" + TestSeed.PinnedKeyId)]
    [InlineData("arn:aws-us-gov:kms:us-east-1:111122223333:key/" + TestSeed.PinnedKeyId)]
    [InlineData("arn:aws-cn:kms:us-east-1:111122223333:" + TestSeed.PinnedAlias)]
    public async Task DescribeKey_ArnWhosePartitionIsNotItsRegions_ThrowsNotFoundInvalidKeyId(string arn)
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = arn }, Ct));
        Assert.Equal($"Invalid keyId '{arn}'", e.Message);
    }

    [Fact]
    public async Task DescribeKey_ArnOfAnotherPartition_ThrowsNotFoundInvalidArn()
    {
        var arn = "arn:aws-cn:kms:cn-north-1:111122223333:key/" + TestSeed.PinnedKeyId;
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = arn }, Ct));
        Assert.Equal("Invalid arn cn-north-1", e.Message);
    }

    [Fact]
    public async Task DescribeKey_BareIdOfAnotherRegion_ThrowsNotFound()
    {
        var key = await CreateKeyAsync();
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Server.Client(region: "eu-west-1").DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));
    }

    [Fact]
    public async Task DescribeKey_KeyOfAnotherAccountByArn_ThrowsAccessDenied()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = TestSeed.PinnedKeyArn }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Contains("arn:aws:iam::444455556666:role/other is not authorized to perform: kms:DescribeKey", e.Message);
    }

    [Fact]
    public async Task DescribeKey_KeyOfAnotherAccountByBareId_ThrowsNotFound()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = TestSeed.PinnedKeyId }, Ct));
    }

    [Fact]
    public async Task DescribeKey_UnknownAlias_ThrowsNotFound()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/does-not-exist" }, Ct));
        Assert.Equal("Alias arn:aws:kms:us-east-1:000000000000:alias/does-not-exist is not found.", e.Message);
    }

    [Fact]
    public async Task DescribeKey_TooLongKeyId_ThrowsValidation()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = new string('a', 2049) }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class DescribeKeyTests_Sqlite(SqliteFixture f) : DescribeKeyTests(f);

[Collection("postgres")]
public sealed class DescribeKeyTests_Postgres(PostgresFixture f) : DescribeKeyTests(f);
