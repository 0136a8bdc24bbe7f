using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>AWS managed keys: created on first DescribeKey of a predefined alias, usable only through their service.</summary>
public abstract class AwsManagedKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task DescribeKey_OnPredefinedAlias_CreatesTheAwsManagedKeyOnce()
    {
        var kms = Server.Client(region: "ap-northeast-3");
        var first = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, Ct)).KeyMetadata;
        var again = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/ebs" }, Ct)).KeyMetadata;

        Assert.Equal(first.Arn, again.Arn);
        Assert.Equal(KeyManagerType.AWS, first.KeyManager);
        Assert.Equal(KeyState.Enabled, first.KeyState);
        Assert.Equal(KeySpec.SYMMETRIC_DEFAULT, first.KeySpec);
        Assert.StartsWith("Default key that protects my EBS", first.Description, StringComparison.Ordinal);

        var rotation = await kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = first.KeyId }, Ct);
        Assert.True(rotation.KeyRotationEnabled);
        Assert.Equal(365, rotation.RotationPeriodInDays);
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            kms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = first.KeyId }, Ct));

        var aliases = await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = first.KeyId }, Ct);
        Assert.Equal("alias/aws/ebs", Assert.Single(aliases.Aliases).AliasName);
    }

    [Fact]
    public async Task DescribeKey_ConcurrentFirstUse_EndsWithOneKey()
    {
        var kms = Server.Client(region: "ap-south-2");
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/s3" }, Ct)));
        Assert.Single(results.Select(r => r.KeyMetadata.Arn).Distinct());
    }

    [Fact]
    public async Task DescribeKey_OnAnotherAccountsPredefinedAlias_IsDeniedAndCreatesNothing()
    {
        // Another account asks for 000000000000's alias/aws/ebs by ARN: the AWS managed key's policy refuses it, and
        // the refused request must not create that account's key.
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret, region: "eu-south-2");
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => other.DescribeKeyAsync(
            new DescribeKeyRequest { KeyId = "arn:aws:kms:eu-south-2:000000000000:alias/aws/ebs" }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);

        var owner = Server.Client(region: "eu-south-2");
        var aliases = (await owner.ListAliasesAsync(new ListAliasesRequest { Limit = 100 }, Ct)).Aliases;
        Assert.Null(Assert.Single(aliases, a => a.AliasName == "alias/aws/ebs").TargetKeyId);
        Assert.Empty((await owner.ListKeysAsync(new ListKeysRequest(), Ct)).Keys);
    }

    [Fact]
    public async Task DescribeKey_OnUnknownAwsAlias_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/not-a-service" }, Ct));
    }

    [Fact]
    public async Task Encrypt_OnPredefinedAliasNotYetCreated_ThrowsNotFound()
    {
        var kms = Server.Client(region: "il-central-1");
        await Assert.ThrowsAsync<NotFoundException>(() =>
            kms.EncryptAsync(new EncryptRequest { KeyId = "alias/aws/rds", Plaintext = new MemoryStream([1]) }, Ct));
    }

    [Fact]
    public async Task AwsManagedKey_DirectCryptographyAndChanges_AreDenied()
    {
        var key = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/secretsmanager" }, Ct)).KeyMetadata;
        var calls = new (string Action, Func<Task> Call)[]
        {
            ("Encrypt", () => Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)),
            ("GenerateDataKey", () => Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = "alias/aws/secretsmanager", KeySpec = DataKeySpec.AES_256 }, Ct)),
            ("DisableKey", () => Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct)),
            ("ScheduleKeyDeletion", () => Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct)),
            ("UpdateKeyDescription", () => Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "x" }, Ct)),
        };
        foreach (var (action, call) in calls)
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(call);
            Assert.Equal("AccessDeniedException", e.ErrorCode);
            Assert.Contains($"kms:{action} on resource: {key.Arn}", e.Message, StringComparison.Ordinal);
        }

        // Reading its metadata directly is allowed.
        await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task ListAliases_ShowsPredefinedAliasesWithoutTargetUntilCreated()
    {
        var kms = Server.Client(region: "mx-central-1");
        var before = (await kms.ListAliasesAsync(new ListAliasesRequest { Limit = 100 }, Ct)).Aliases;
        var sqs = Assert.Single(before, a => a.AliasName == "alias/aws/sqs");
        Assert.Null(sqs.TargetKeyId);
        Assert.Equal("arn:aws:kms:mx-central-1:000000000000:alias/aws/sqs", sqs.AliasArn);

        var key = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/aws/sqs" }, Ct)).KeyMetadata;
        var after = (await kms.ListAliasesAsync(new ListAliasesRequest { Limit = 100 }, Ct)).Aliases;
        Assert.Equal(key.KeyId, Assert.Single(after, a => a.AliasName == "alias/aws/sqs").TargetKeyId);
        Assert.Equal(before.Count, after.Count);
    }

    [Fact]
    public async Task ListAliases_PagesThroughPredefinedAndCustomerAliasesInOrder()
    {
        var kms = Server.Client(region: "ap-southeast-5");
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/app", TargetKeyId = key.KeyId }, Ct);
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/zeta", TargetKeyId = key.KeyId }, Ct);

        var names = new List<string>();
        string? marker = null;
        do
        {
            var page = await kms.ListAliasesAsync(new ListAliasesRequest { Limit = 4, Marker = marker }, Ct);
            names.AddRange(page.Aliases.Select(a => a.AliasName));
            marker = page.NextMarker;
        }
        while (marker is not null);

        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Distinct().Count(), names.Count);
        Assert.Contains("alias/app", names);
        Assert.Contains("alias/zeta", names);
        Assert.Contains("alias/aws/kinesis", names);
    }
}

[Collection("sqlite")]
public sealed class AwsManagedKeyTests_Sqlite(SqliteFixture f) : AwsManagedKeyTests(f);

[Collection("postgres")]
public sealed class AwsManagedKeyTests_Postgres(PostgresFixture f) : AwsManagedKeyTests(f);
