using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Operations;

public abstract class KeyLastUsageTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private AmazonKeyManagementServiceClient Bob => Server.Client(TestSeed.BobAccessKey, TestSeed.BobSecret);

    private AmazonKeyManagementServiceClient Other => Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

    private KeyUsageTracker Tracker => Server.Services.GetRequiredService<KeyUsageTracker>();

    private KeyUsageStore Store => Server.Services.GetRequiredService<KeyUsageStore>();

    [Fact]
    public async Task GetKeyLastUsage_NewKey_HasNoUseAndTracksFromItsCreation()
    {
        var key = await CreateKeyAsync();

        var usage = await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct);

        Assert.Equal(key.KeyId, usage.KeyId);
        Assert.Null(usage.KeyLastUsage?.Operation);
        Assert.Null(usage.KeyLastUsage?.CloudTrailEventId);
        Assert.Equal(key.CreationDate, usage.KeyCreationDate);

        // The store began tracking before this key existed: "or the date the KMS key was created, whichever is later".
        Assert.Equal(key.CreationDate, usage.TrackingStartDate);
    }

    [Fact]
    public async Task GetKeyLastUsage_KeyOlderThanTracking_TrackingStartIsTheStores()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(await Store.TrackingStartAsync(Ct));

        // The seed's pinned key is written before the first flush service records the start, or its creation date
        // predates it; either way the later of the two is reported.
        var usage = await Alice.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = TestSeed.PinnedKeyArn }, Ct);

        var created = new DateTimeOffset(usage.KeyCreationDate!.Value, TimeSpan.Zero);
        Assert.Equal(created > start ? created : start, new DateTimeOffset(usage.TrackingStartDate!.Value, TimeSpan.Zero));
    }

    [Fact]
    public async Task GetKeyLastUsage_AfterEncrypt_ShowsTheCallsOperationEventIdAndRequestId()
    {
        var key = await CreateKeyAsync();
        var encrypted = await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct);

        var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.Arn }, Ct)).KeyLastUsage;

        Assert.Equal(KeyLastUsageTrackingOperation.Encrypt, usage.Operation);
        Assert.Equal(encrypted.ResponseMetadata.RequestId, usage.KmsRequestId);
        Assert.NotNull(usage.Timestamp);
        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        var record = await db.AuditRecords.AsNoTracking().SingleAsync(r => r.EventId == usage.CloudTrailEventId, Ct);
        Assert.Equal("Encrypt", record.EventName);
        Assert.Contains(encrypted.ResponseMetadata.RequestId, Encoding.UTF8.GetString(record.RecordJson), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKeyLastUsage_AfterDecrypt_ShowsTheLastDecrypt()
    {
        var key = await CreateKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;
        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);

        var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage;

        Assert.Equal(KeyLastUsageTrackingOperation.Decrypt, usage.Operation);
        Assert.Equal(decrypted.ResponseMetadata.RequestId, usage.KmsRequestId);
    }

    [Fact]
    public async Task GetKeyLastUsage_AfterReEncrypt_RecordsBothKeys()
    {
        var source = await CreateKeyAsync();
        var destination = await CreateKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = source.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;
        var reEncrypted = await Kms.ReEncryptAsync(new ReEncryptRequest { CiphertextBlob = blob, DestinationKeyId = destination.KeyId }, Ct);

        foreach (var key in new[] { source, destination })
        {
            var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage;
            Assert.Equal(KeyLastUsageTrackingOperation.ReEncrypt, usage.Operation);
            Assert.Equal(reEncrypted.ResponseMetadata.RequestId, usage.KmsRequestId);
        }
    }

    [Fact]
    public async Task GetKeyLastUsage_FailedOrNonCryptographicCalls_AreNotUses()
    {
        var key = await CreateKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;
        var encryptRequestId = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage.KmsRequestId;

        await Assert.ThrowsAsync<InvalidCiphertextException>(() =>
            Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = new() { ["a"] = "b" } }, Ct));
        await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        await Assert.ThrowsAsync<DisabledException>(() => Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));

        var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage;
        Assert.Equal(KeyLastUsageTrackingOperation.Encrypt, usage.Operation);
        Assert.Equal(encryptRequestId, usage.KmsRequestId);
    }

    [Fact]
    public async Task Flush_WritesTheUseToTheStore_AndGetKeyLastUsageStillShowsIt()
    {
        var key = await CreateKeyAsync();
        var encrypted = await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);

        await Server.Services.GetRequiredService<KeyUsageFlushService>().FlushAsync(Ct);

        Assert.Null(Tracker.Unflushed(key.Arn));
        Assert.Equal(encrypted.ResponseMetadata.RequestId, (await Store.FindAsync(key.Arn, Ct))!.RequestId);
        var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage;
        Assert.Equal(encrypted.ResponseMetadata.RequestId, usage.KmsRequestId);
    }

    [Fact]
    public async Task Flush_AnOlderUseFromAnotherInstance_NeverMovesTheStoredUseBackwards()
    {
        var key = await CreateKeyAsync();
        var newer = new KeyUsage("Sign", 2_000_000_000_000, Guid.NewGuid(), "newer-request");
        var older = new KeyUsage("Verify", 1_900_000_000_000, Guid.NewGuid(), "older-request");

        await Store.WriteAsync([new(key.Arn, newer)], Ct);
        await Store.WriteAsync([new(key.Arn, older)], Ct);

        Assert.Equal("newer-request", (await Store.FindAsync(key.Arn, Ct))!.RequestId);

        // What another instance flushed is what GetKeyLastUsage shows here.
        var usage = (await Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.KeyId }, Ct)).KeyLastUsage;
        Assert.Equal(KeyLastUsageTrackingOperation.Sign, usage.Operation);
        Assert.Equal(newer.EventId.ToString("D"), usage.CloudTrailEventId);
    }

    [Fact]
    public async Task Flush_UseOfAKeyDeletedMeanwhile_IsDroppedWithoutFailingTheBatch()
    {
        var gone = await CreateKeyAsync();
        var kept = await CreateKeyAsync();
        await Kms.EncryptAsync(new EncryptRequest { KeyId = gone.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
        await Kms.EncryptAsync(new EncryptRequest { KeyId = kept.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
        await using (var db = Server.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            await db.Keys.Where(k => k.Arn == gone.Arn).ExecuteDeleteAsync(Ct);
        }

        await Server.Services.GetRequiredService<KeyUsageFlushService>().FlushAsync(Ct);

        Assert.Null(await Store.FindAsync(gone.Arn, Ct));
        Assert.NotNull(await Store.FindAsync(kept.Arn, Ct));
    }

    [Fact]
    public async Task Tracker_ConcurrentUsesOfOneKey_KeepsTheNewest()
    {
        var tracker = new KeyUsageTracker();
        var arn = "arn:aws:kms:us-east-1:111122223333:key/" + Guid.NewGuid();
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);

        await Parallel.ForAsync(0, 1000, Ct, (i, _) =>
        {
            tracker.Record("Encrypt", arn, null, start.AddMilliseconds(i), Guid.NewGuid(), $"request-{i}");
            return ValueTask.CompletedTask;
        });

        Assert.Equal("request-999", tracker.Unflushed(arn)!.RequestId);
        var batch = tracker.TakeBatch();
        Assert.Equal("request-999", Assert.Single(batch).Value.RequestId);

        // A failed write gives the uses back, unless a newer one came meanwhile.
        tracker.Record("Decrypt", arn, null, start.AddMilliseconds(5000), Guid.NewGuid(), "request-newer");
        tracker.Finish(batch, written: false);
        Assert.Equal("request-newer", tracker.Unflushed(arn)!.RequestId);
    }

    // ---- Errors ----

    [Fact]
    public async Task GetKeyLastUsage_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = id }, Ct));

        Assert.Equal($"Key 'arn:aws:kms:us-east-1:000000000000:key/{id}' does not exist", e.Message);
    }

    [Fact]
    public async Task GetKeyLastUsage_AliasName_ThrowsNotFoundInvalidKeyId()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Alice.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = TestSeed.PinnedAlias }, Ct));

        Assert.Equal($"Invalid keyId '{TestSeed.PinnedAlias}'", e.Message);
    }

    [Fact]
    public async Task GetKeyLastUsage_ArnOfAnotherRegion_ThrowsNotFoundInvalidArn()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = $"arn:aws:kms:eu-west-1:000000000000:key/{Guid.NewGuid()}" }, Ct));

        Assert.Equal("Invalid arn eu-west-1", e.Message);
    }

    [Fact]
    public async Task GetKeyLastUsage_WithoutKeyId_ThrowsValidation()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest(), Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public async Task GetKeyLastUsage_WithoutPermission_ThrowsAccessDenied()
    {
        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            Bob.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = TestSeed.PinnedKeyArn }, Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Contains("kms:GetKeyLastUsage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetKeyLastUsage_KeyOfAnotherAccount_ThrowsAccessDeniedNotCrossAccount()
    {
        // The shared key's policy lets the other account use it, but GetKeyLastUsage is not a cross-account operation.
        var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() =>
            Other.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = TestSeed.SharedKeyArn }, Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.EndsWith("because kms:GetKeyLastUsage cannot be performed on a KMS key in another AWS account", e.Message, StringComparison.Ordinal);
    }
}

[Collection("sqlite")]
public sealed class KeyLastUsageTests_Sqlite(SqliteFixture f) : KeyLastUsageTests(f);

[Collection("postgres")]
public sealed class KeyLastUsageTests_Postgres(PostgresFixture f) : KeyLastUsageTests(f);
