using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Operations;

/// <summary>Multi-Region keys through the SDK, with clients for two regions: CreateKey MultiRegion, ReplicateKey,
/// UpdatePrimaryRegion, the shared properties (material, rotation) and the deletion rules, with every modelled error.</summary>
public abstract class MultiRegionKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string East = "us-east-1";
    private const string West = "us-west-2";

    private AmazonKeyManagementServiceClient WestKms => Server.Client(region: West);

    private async Task<KeyMetadata> CreatePrimaryAsync(
        AmazonKeyManagementServiceClient? kms = null, KeySpec? spec = null, KeyUsageType? usage = null)
    {
        var response = await (kms ?? Kms).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true, KeySpec = spec, KeyUsage = usage }, Ct);
        return response.KeyMetadata;
    }

    /// <summary>Replicates a key into <paramref name="region"/> and waits until the replica is Enabled.</summary>
    private static async Task<KeyMetadata> ReplicateAsync(KmsServer server, KeyMetadata primary, string region)
    {
        var kms = server.Client(region: primary.Arn.Split(':')[3]);
        await kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = region }, Ct);
        return await EnabledAsync(server.Client(region: region), primary.KeyId);
    }

    private static Task<KeyMetadata> EnabledAsync(AmazonKeyManagementServiceClient kms, string keyId) =>
        Eventually.ResultAsync(
            async () => (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata,
            m => m.KeyState == KeyState.Enabled,
            "the multi-Region key to be Enabled");

    private static Task<KeyMetadata> DescribeAsync(AmazonKeyManagementServiceClient kms, string keyId) =>
        kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct).ContinueWith(t => t.Result.KeyMetadata, TaskScheduler.Default);

    [Theory]
    [InlineData("SYMMETRIC_DEFAULT", null)]
    [InlineData("RSA_2048", "ENCRYPT_DECRYPT")]
    [InlineData("ECC_NIST_P256", "SIGN_VERIFY")]
    [InlineData("HMAC_256", "GENERATE_VERIFY_MAC")]
    public async Task CreateKey_MultiRegion_IsAPrimaryWithAnMrkId(string spec, string? usage)
    {
        var key = await CreatePrimaryAsync(spec: spec, usage: usage);

        Assert.Matches("^mrk-[0-9a-f]{32}$", key.KeyId);
        Assert.True(key.MultiRegion);
        Assert.Equal(MultiRegionKeyType.PRIMARY, key.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(key.Arn, key.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal(East, key.MultiRegionConfiguration.PrimaryKey.Region);
        Assert.Empty(key.MultiRegionConfiguration.ReplicaKeys);
        var described = await DescribeAsync(Kms, key.KeyId);
        Assert.Equal(key.Arn, described.MultiRegionConfiguration.PrimaryKey.Arn);
    }

    [Fact]
    public async Task CreateKey_SingleRegion_IsNotMultiRegionAndHasNoConfiguration()
    {
        var key = await CreateKeyAsync();
        Assert.False(key.MultiRegion);
        Assert.Null(key.MultiRegionConfiguration);
    }

    [Fact]
    public async Task ReplicateKey_AnswersCreatingThenTheReplicaDecryptsAcrossRegions()
    {
        var primary = await CreatePrimaryAsync();
        var response = await Kms.ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = primary.KeyId,
            ReplicaRegion = West,
            Tags = [new Tag { TagKey = "team", TagValue = "west" }],
        }, Ct);

        var meta = response.ReplicaKeyMetadata;
        Assert.Equal(KeyState.Creating, meta.KeyState);
        Assert.False(meta.Enabled);
        Assert.Equal(string.Empty, meta.Description);
        Assert.Null(meta.CurrentKeyMaterialId);
        Assert.Equal(primary.KeyId, meta.KeyId);
        Assert.Equal($"arn:aws:kms:{West}:000000000000:key/{primary.KeyId}", meta.Arn);
        Assert.Equal(MultiRegionKeyType.REPLICA, meta.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(primary.Arn, meta.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal(meta.Arn, Assert.Single(meta.MultiRegionConfiguration.ReplicaKeys).Arn);
        using (var policy = JsonDocument.Parse(response.ReplicaPolicy))
        {
            Assert.Equal("key-default-1", policy.RootElement.GetProperty("Id").GetString());
        }

        Assert.Equal("west", Assert.Single(response.ReplicaTags).TagValue);

        var replica = await EnabledAsync(WestKms, primary.KeyId);
        Assert.Equal(primary.CurrentKeyMaterialId, replica.CurrentKeyMaterialId);
        Assert.Equal(West, Assert.Single((await DescribeAsync(Kms, primary.KeyId)).MultiRegionConfiguration.ReplicaKeys).Region);

        var fromEast = (await Kms.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;
        var inWest = await WestKms.DecryptAsync(new DecryptRequest { CiphertextBlob = fromEast }, Ct);
        Assert.Equal(replica.Arn, inWest.KeyId);
        Assert.Equal([1, 2, 3], inWest.Plaintext.ToArray());

        var fromWest = (await WestKms.EncryptAsync(new EncryptRequest { KeyId = replica.Arn, Plaintext = new MemoryStream([4]) }, Ct)).CiphertextBlob;
        var inEast = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = fromWest, KeyId = primary.KeyId }, Ct);
        Assert.Equal([4], inEast.Plaintext.ToArray());

        // Not shared: description, tags, policy.
        Assert.Empty((await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = primary.KeyId }, Ct)).Tags);
    }

    [Fact]
    public async Task ReplicateKey_IsAuditedAsReplicateKeyInThePrimaryRegionAndCreateKeyInTheReplicas()
    {
        var primary = await CreatePrimaryAsync();
        var replica = await ReplicateAsync(Server, primary, West);

        await Eventually.TrueAsync(
            () =>
            {
                using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
                var created = db.AuditRecords.Where(r => r.EventName == "CreateKey" && r.ResourceName == replica.Arn).ToList();
                return created.Count == 1
                    && System.Text.Encoding.UTF8.GetString(created[0].RecordJson).Contains($"\"awsRegion\":\"{West}\"", StringComparison.Ordinal)
                    && db.AuditRecords.Any(r => r.EventName == "ReplicateKey" && r.ResourceName == primary.Arn);
            },
            "the ReplicateKey and replica-region CreateKey records");
    }

    [Fact]
    public async Task ReplicateKey_SigningAndHmacKeys_GiveTheSameAnswersInBothRegions()
    {
        var signing = await CreatePrimaryAsync(spec: KeySpec.ECC_NIST_P256, usage: KeyUsageType.SIGN_VERIFY);
        var mac = await CreatePrimaryAsync(spec: KeySpec.HMAC_256, usage: KeyUsageType.GENERATE_VERIFY_MAC);
        await ReplicateAsync(Server, signing, West);
        await ReplicateAsync(Server, mac, West);

        var signature = (await Kms.SignAsync(new SignRequest
        {
            KeyId = signing.KeyId,
            Message = new MemoryStream([7]),
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }, Ct)).Signature;
        Assert.True((await WestKms.VerifyAsync(new VerifyRequest
        {
            KeyId = signing.KeyId,
            Message = new MemoryStream([7]),
            Signature = signature,
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }, Ct)).SignatureValid);

        var tag = (await Kms.GenerateMacAsync(new GenerateMacRequest { KeyId = mac.KeyId, Message = new MemoryStream([8]), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 }, Ct)).Mac;
        var westTag = (await WestKms.GenerateMacAsync(new GenerateMacRequest { KeyId = mac.KeyId, Message = new MemoryStream([8]), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 }, Ct)).Mac;
        Assert.Equal(tag.ToArray(), westTag.ToArray());
    }

    [Fact]
    public async Task ReplicateKey_OfAReplica_IsUnsupportedAsRecorded()
    {
        var primary = await CreatePrimaryAsync();
        var replica = await ReplicateAsync(Server, primary, West);
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            WestKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = "eu-west-1" }, Ct));
        Assert.Equal($"{replica.Arn} is not a multi-region primary key.", e.Message);
    }

    [Fact]
    public async Task ReplicateKey_OfASingleRegionKey_IsUnsupported()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = key.KeyId, ReplicaRegion = West }, Ct));
        Assert.Equal($"{key.Arn} is not a multi-region primary key.", e.Message);
    }

    [Fact]
    public async Task ReplicateKey_IntoARegionWithAReplicaOrThePrimary_AlreadyExists()
    {
        var primary = await CreatePrimaryAsync();
        await ReplicateAsync(Server, primary, West);
        await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = West }, Ct));
        await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = East }, Ct));
    }

    [Theory]
    [InlineData("not a region")]
    [InlineData("US-EAST-1")]
    public async Task ReplicateKey_MalformedRegion_IsAValidationError(string region)
    {
        var primary = await CreatePrimaryAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = region }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            $"1 validation error detected: Value '{region}' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){{2,3}}\\d+$",
            e.Message);
    }

    [Theory]
    [InlineData("xx-east-1")]
    [InlineData("cn-north-1")]
    public async Task ReplicateKey_UnknownRegionOrOtherPartition_IsUnsupported(string region)
    {
        var primary = await CreatePrimaryAsync();
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = region }, Ct));
    }

    [Fact]
    public async Task ReplicateKey_DisabledOrPendingDeletionPrimary_IsRefused()
    {
        var disabled = await CreatePrimaryAsync();
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled.KeyId }, Ct);
        var e = await Assert.ThrowsAsync<DisabledException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = disabled.KeyId, ReplicaRegion = West }, Ct));
        Assert.Equal($"{disabled.Arn} is disabled.", e.Message);

        var pending = await CreatePrimaryAsync();
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = pending.KeyId, PendingWindowInDays = 7 }, Ct);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = pending.KeyId, ReplicaRegion = West }, Ct));
    }

    [Fact]
    public async Task ReplicateKey_PolicyAndTagErrors_AreAwsErrors()
    {
        var primary = await CreatePrimaryAsync();
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = West, Policy = "{not json" }, Ct));

        // A policy that would lock the caller out is refused unless told to bypass the check.
        const string lockout = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = West, Policy = lockout }, Ct));

        var e = await Assert.ThrowsAsync<TagException>(() => Kms.ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = primary.KeyId,
            ReplicaRegion = West,
            Tags = [new Tag { TagKey = "aws:x", TagValue = "v" }],
        }, Ct));
        Assert.Equal("Tags beginning with aws: are reserved", e.Message);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            WestKms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = primary.KeyId }, Ct));

        var bypassed = await Kms.ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = primary.KeyId,
            ReplicaRegion = West,
            Policy = lockout,
            BypassPolicyLockoutSafetyCheck = true,
            Description = "mine",
        }, Ct);
        Assert.Equal("mine", bypassed.ReplicaKeyMetadata.Description);
    }

    [Fact]
    public async Task ReplicateKey_UnknownKey_IsNotFound()
    {
        var arn = "arn:aws:kms:us-east-1:000000000000:key/mrk-00000000000000000000000000000000";
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = "mrk-00000000000000000000000000000000", ReplicaRegion = West }, Ct));
        Assert.Equal($"Key '{arn}' does not exist", e.Message);
    }

    [Fact]
    public async Task Rotation_IsThePrimarys_AndReachesEveryReplica()
    {
        var primary = await CreatePrimaryAsync();
        var replica = await ReplicateAsync(Server, primary, West);

        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            WestKms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = replica.KeyId }, Ct));
        Assert.Equal($"{replica.Arn} is not a multi-region primary key.", e.Message);
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            WestKms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = replica.KeyId }, Ct));
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            WestKms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = replica.KeyId }, Ct));

        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = primary.KeyId, RotationPeriodInDays = 90 }, Ct);
        var status = await WestKms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = replica.KeyId }, Ct);
        Assert.True(status.KeyRotationEnabled);
        Assert.Equal(90, status.RotationPeriodInDays);

        var old = (await Kms.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = new MemoryStream([5]) }, Ct)).CiphertextBlob;
        await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = primary.KeyId }, Ct);
        var rotated = await DescribeAsync(Kms, primary.KeyId);
        Assert.NotEqual(primary.CurrentKeyMaterialId, rotated.CurrentKeyMaterialId);
        Assert.Equal(rotated.CurrentKeyMaterialId, (await DescribeAsync(WestKms, replica.KeyId)).CurrentKeyMaterialId);
        var rotations = (await WestKms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = replica.KeyId }, Ct)).Rotations;
        Assert.Equal(rotated.CurrentKeyMaterialId, Assert.Single(rotations).KeyMaterialId);

        var fresh = (await Kms.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = new MemoryStream([6]) }, Ct)).CiphertextBlob;
        Assert.Equal([5], (await WestKms.DecryptAsync(new DecryptRequest { CiphertextBlob = old }, Ct)).Plaintext.ToArray());
        Assert.Equal([6], (await WestKms.DecryptAsync(new DecryptRequest { CiphertextBlob = fresh }, Ct)).Plaintext.ToArray());
    }

    [Fact]
    public async Task UpdatePrimaryRegion_SwapsPrimaryAndReplica_ThroughUpdating()
    {
        var primary = await CreatePrimaryAsync();
        var replica = await ReplicateAsync(Server, primary, West);
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = primary.KeyId }, Ct);

        await Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = primary.KeyId, PrimaryRegion = West }, Ct);

        var east = await EnabledAsync(Kms, primary.KeyId);
        var west = await EnabledAsync(WestKms, primary.KeyId);
        Assert.Equal(MultiRegionKeyType.REPLICA, east.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(MultiRegionKeyType.PRIMARY, west.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal(replica.Arn, east.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Equal(primary.Arn, Assert.Single(west.MultiRegionConfiguration.ReplicaKeys).Arn);
        Assert.True((await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = primary.KeyId }, Ct)).KeyRotationEnabled);

        // The old primary is a replica now: only the new primary replicates.
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = "eu-west-1" }, Ct));
        await WestKms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = primary.KeyId, ReplicaRegion = "eu-west-1" }, Ct);
    }

    [Fact]
    public async Task UpdatePrimaryRegion_Errors_AreAwsErrors()
    {
        var single = await CreateKeyAsync();
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = single.KeyId, PrimaryRegion = West }, Ct));

        var primary = await CreatePrimaryAsync();
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = primary.KeyId, PrimaryRegion = West }, Ct));
        Assert.Equal($"Key 'arn:aws:kms:{West}:000000000000:key/{primary.KeyId}' does not exist", e.Message);
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = primary.KeyId, PrimaryRegion = East }, Ct));
        var malformed = string.Concat("we", "st");
        var invalid = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = primary.KeyId, PrimaryRegion = malformed }, Ct));
        Assert.Equal("ValidationException", invalid.ErrorCode);

        var replica = await ReplicateAsync(Server, primary, West);
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            WestKms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = replica.KeyId, PrimaryRegion = East }, Ct));

        await WestKms.DisableKeyAsync(new DisableKeyRequest { KeyId = replica.KeyId }, Ct);
        var disabled = await Assert.ThrowsAsync<DisabledException>(() =>
            Kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = primary.KeyId, PrimaryRegion = West }, Ct));
        Assert.Equal($"{replica.Arn} is disabled.", disabled.Message);
    }

    [Fact]
    public async Task ScheduleKeyDeletion_PrimaryWithReplicas_WaitsForThemThenItsOwnWindow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Fixture.StartAnotherAsync(configure: s =>
        {
            s.AddSingleton<TimeProvider>(clock);

            // The test runs the deletion sweep itself, when it has moved the clock.
            s.Remove(s.Single(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationFactory?.GetType().GenericTypeArguments[^1] == typeof(KeyDeletionService)));
        });
        var east = server.Client();
        var west = server.Client(region: West);
        var primary = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, Ct)).KeyMetadata;
        var replica = await ReplicateAsync(server, primary, West);

        var scheduled = await east.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = primary.KeyId, PendingWindowInDays = 7 }, Ct);
        Assert.Equal(KeyState.PendingReplicaDeletion, scheduled.KeyState);
        Assert.Null(scheduled.DeletionDate);
        Assert.Equal(7, scheduled.PendingWindowInDays);
        var waiting = await DescribeAsync(east, primary.KeyId);
        Assert.Equal(7, waiting.PendingDeletionWindowInDays);
        Assert.Null(waiting.DeletionDate);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            east.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
        await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            east.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = primary.KeyId }, Ct));

        // Replicas are deleted normally; the primary's window begins once the last one is gone.
        await west.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = replica.KeyId, PendingWindowInDays = 7 }, Ct);
        var sweep = server.Services.GetRequiredService<KeyDeletionService>();
        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        Assert.Contains(replica.Arn, await sweep.RunOnceAsync(Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => west.DescribeKeyAsync(new DescribeKeyRequest { KeyId = replica.KeyId }, Ct));
        var pending = await DescribeAsync(east, primary.KeyId);
        Assert.Equal(KeyState.PendingDeletion, pending.KeyState);
        Assert.Null(pending.PendingDeletionWindowInDays);
        Assert.Equal(clock.GetUtcNow().AddDays(7).ToUnixTimeSeconds(), new DateTimeOffset(pending.DeletionDate!.Value).ToUnixTimeSeconds());
        Assert.Empty(pending.MultiRegionConfiguration.ReplicaKeys);

        clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        Assert.Contains(primary.Arn, await sweep.RunOnceAsync(Ct));
    }

    [Fact]
    public async Task CancelKeyDeletion_PendingReplicaDeletion_LeavesTheKeyDisabled()
    {
        var primary = await CreatePrimaryAsync();
        await ReplicateAsync(Server, primary, West);
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = primary.KeyId }, Ct);
        await Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = primary.KeyId }, Ct);
        var key = await DescribeAsync(Kms, primary.KeyId);
        Assert.Equal(KeyState.Disabled, key.KeyState);
        Assert.Null(key.PendingDeletionWindowInDays);
    }

    [Fact]
    public async Task ReplicaCreation_InterruptedBeforeEnabled_IsFinishedByAnyInstancesSweep()
    {
        var primary = await CreatePrimaryAsync();
        var replica = await ReplicateAsync(Server, primary, West);

        // As if the instance had stopped right after committing the replica: its row still says Creating.
        await using (var db = Server.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            var row = db.Keys.Single(k => k.Arn == replica.Arn);
            row.KeyState = "Creating";
            row.Version++;
            await db.SaveChangesAsync(Ct);
        }

        await using var other = await Fixture.StartAnotherAsync(configure: s =>
            s.Remove(s.Single(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationFactory?.GetType().GenericTypeArguments[^1] == typeof(MultiRegionService))));
        Assert.Contains(replica.Arn, await other.Services.GetRequiredService<MultiRegionService>().RunOnceAsync(Ct));
        await EnabledAsync(other.Client(region: West), replica.KeyId);
    }

    [Fact]
    public async Task TwoInstances_SeeEachOthersReplicas()
    {
        await using var second = await Fixture.StartAnotherAsync();
        var primary = await CreatePrimaryAsync();
        Assert.Empty((await DescribeAsync(second.Client(), primary.KeyId)).MultiRegionConfiguration.ReplicaKeys);

        await ReplicateAsync(Server, primary, West);

        await Eventually.ResultAsync(
            () => DescribeAsync(second.Client(), primary.KeyId),
            m => m.MultiRegionConfiguration.ReplicaKeys.Count == 1,
            "the second instance to list the replica");
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = primary.KeyId, Plaintext = new MemoryStream([3]) }, Ct)).CiphertextBlob;
        Assert.Equal([3], (await second.Client(region: West).DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct)).Plaintext.ToArray());
    }
}

[Collection("sqlite")]
public sealed class MultiRegionKeyTests_Sqlite(SqliteFixture f) : MultiRegionKeyTests(f);

[Collection("postgres")]
public sealed class MultiRegionKeyTests_Postgres(PostgresFixture f) : MultiRegionKeyTests(f);
