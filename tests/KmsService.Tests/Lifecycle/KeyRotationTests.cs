using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Lifecycle;

/// <summary>Key rotation: the rotation settings operations, on-demand rotation with its quota, the list of rotations,
/// and automatic rotation by the background service on a fake clock that the tests move forward.</summary>
public abstract class KeyRotationTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<(KmsServer Server, FakeTimeProvider Clock)> StartWithFakeClockAsync(FakeTimeProvider? clock = null)
    {
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await Fixture.StartAnotherAsync(configure: s =>
        {
            s.AddSingleton<TimeProvider>(clock);

            // The deletion sweep runs on a PeriodicTimer, which the fake clock replays once per missed minute:
            // advancing it by the 90 days a rotation period lasts at least would run that sweep some 130,000 times.
            // It plays no part here, so these servers go without it (the rotation sweep stays hosted).
            var deletionSweep = s.Single(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationFactory?.GetType().GenericTypeArguments[^1] == typeof(KeyDeletionService));
            s.Remove(deletionSweep);
        });
        return (server, clock);
    }

    private static Task<IReadOnlyList<string>> SweepAsync(KmsServer server) =>
        server.Services.GetRequiredService<KeyRotationService>().RunOnceAsync(Ct);

    private static async Task<List<RotationsListEntry>> RotationsAsync(AmazonKeyManagementServiceClient kms, string keyId, bool all = false)
    {
        var response = await kms.ListKeyRotationsAsync(new ListKeyRotationsRequest
        {
            KeyId = keyId,
            IncludeKeyMaterial = all ? IncludeKeyMaterial.ALL_KEY_MATERIAL : null,
        }, Ct);
        Assert.False(response.Truncated);
        return response.Rotations;
    }

    private static async Task<string> CurrentMaterialAsync(AmazonKeyManagementServiceClient kms, string keyId) =>
        (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata.CurrentKeyMaterialId;

    private static long Seconds(DateTime? t) => new DateTimeOffset(t!.Value).ToUnixTimeSeconds();

    [Fact]
    public async Task GetKeyRotationStatus_NewKey_IsOffWithOnlyKeyId()
    {
        var key = await CreateKeyAsync();
        var status = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(key.Arn, status.KeyId);
        Assert.False(status.KeyRotationEnabled);
        Assert.Null(status.RotationPeriodInDays);
        Assert.Null(status.NextRotationDate);
        Assert.Null(status.OnDemandRotationStartDate);
    }

    [Fact]
    public async Task EnableKeyRotation_WithoutPeriod_Uses365DaysFromNow()
    {
        var key = await CreateKeyAsync();
        var before = DateTimeOffset.UtcNow;
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.Arn }, Ct);

        var status = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.Arn }, Ct);
        Assert.Equal(key.Arn, status.KeyId);
        Assert.True(status.KeyRotationEnabled);
        Assert.Equal(365, status.RotationPeriodInDays);
        Assert.InRange(Seconds(status.NextRotationDate), before.AddDays(365).ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.AddDays(365).ToUnixTimeSeconds() + 1);
        Assert.Null(status.OnDemandRotationStartDate);
    }

    [Fact]
    public async Task EnableKeyRotation_AgainWithNewPeriod_UpdatesPeriodAndDate_DisableTurnsItOff()
    {
        var key = await CreateKeyAsync();
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, Ct);
        var first = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(180, first.RotationPeriodInDays);

        // The same period again keeps the schedule.
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, Ct);
        var same = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(first.NextRotationDate, same.NextRotationDate);

        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, Ct);
        var changed = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.True(changed.KeyRotationEnabled);
        Assert.Equal(90, changed.RotationPeriodInDays);
        Assert.InRange(Seconds(changed.NextRotationDate), DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.AddDays(90).ToUnixTimeSeconds() + 1);

        await Kms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, Ct);
        var off = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.False(off.KeyRotationEnabled);
        Assert.Null(off.RotationPeriodInDays);
        Assert.Null(off.NextRotationDate);
        await Kms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, Ct); // already off: no error
    }

    [Theory]
    [InlineData(89, "greater than or equal to 90")]
    [InlineData(2561, "less than or equal to 2560")]
    public async Task EnableKeyRotation_PeriodOutOfRange_ThrowsValidation(int days, string constraint)
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = days }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value {constraint}", e.Message);
    }

    [Theory]
    [InlineData(90)]
    [InlineData(2560)]
    public async Task EnableKeyRotation_PeriodAtTheBounds_IsEchoed(int days)
    {
        var key = await CreateKeyAsync();
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = days }, Ct);
        var status = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(days, status.RotationPeriodInDays);
    }

    [Fact]
    public async Task RotateKeyOnDemand_NewMaterialEncrypts_OldCiphertextsStillDecryptWithTheirMaterial()
    {
        var key = await CreateKeyAsync();
        var original = key.CurrentKeyMaterialId;
        var oldBlob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;

        var rotated = await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(key.Arn, rotated.KeyId);

        var current = await CurrentMaterialAsync(Kms, key.KeyId);
        Assert.Matches("^[0-9a-f]{64}$", current);
        Assert.NotEqual(original, current);

        var old = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = oldBlob }, Ct);
        Assert.Equal([1, 2, 3], old.Plaintext.ToArray());
        Assert.Equal(original, old.KeyMaterialId);

        var newBlob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([4]) }, Ct)).CiphertextBlob;
        var fresh = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = newBlob }, Ct);
        Assert.Equal([4], fresh.Plaintext.ToArray());
        Assert.Equal(current, fresh.KeyMaterialId);
    }

    [Fact]
    public async Task RotateKeyOnDemand_DoesNotMoveTheAutomaticSchedule()
    {
        var key = await CreateKeyAsync();
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 730 }, Ct);
        var before = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);

        await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);

        var after = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(before.NextRotationDate, after.NextRotationDate);
        Assert.Equal(730, after.RotationPeriodInDays);
        Assert.Null(after.OnDemandRotationStartDate);
    }

    [Fact]
    public async Task ListKeyRotations_ListsEachRotationOldestFirst_AndPages()
    {
        var key = await CreateKeyAsync();
        Assert.Empty(await RotationsAsync(Kms, key.KeyId));

        var materials = new List<string> { key.CurrentKeyMaterialId };
        for (var i = 0; i < 5; i++)
        {
            await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);
            materials.Add(await CurrentMaterialAsync(Kms, key.KeyId));
        }

        var rotations = await RotationsAsync(Kms, key.KeyId);
        Assert.Equal(materials.Skip(1), rotations.Select(r => r.KeyMaterialId));
        Assert.All(rotations, r =>
        {
            Assert.Equal(key.Arn, r.KeyId);
            Assert.Equal(RotationType.ON_DEMAND, r.RotationType);
            Assert.NotNull(r.RotationDate);
        });
        Assert.Equal([.. Enumerable.Repeat(KeyMaterialState.NON_CURRENT, 4), KeyMaterialState.CURRENT], rotations.Select(r => r.KeyMaterialState));

        // ALL_KEY_MATERIAL adds the original material first, without a rotation date or type.
        var all = await RotationsAsync(Kms, key.KeyId, all: true);
        Assert.Equal(materials, all.Select(r => r.KeyMaterialId));
        Assert.Null(all[0].RotationDate);
        Assert.Null(all[0].RotationType);

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var page = await Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.Arn, Limit = 2, Marker = marker }, Ct);
            pages++;
            seen.AddRange(page.Rotations.Select(r => r.KeyMaterialId));
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            marker = page.NextMarker;
        }
        while (marker is not null);

        Assert.Equal(3, pages);
        Assert.Equal(materials.Skip(1), seen);
    }

    [Fact]
    public async Task ListKeyRotations_BadMarkerOrLimit_IsRefused()
    {
        var key = await CreateKeyAsync();
        await Assert.ThrowsAsync<InvalidMarkerException>(() =>
            Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, Marker = "not-a-marker" }, Ct));

        var tooMany = 1001; // a variable: the SDK's analyzer refuses the constant at build time
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, Limit = tooMany }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000", e.Message);
    }

    [Fact]
    public async Task RotateKeyOnDemand_BeyondTheQuota_ThrowsLimitExceeded()
    {
        var key = await CreateKeyAsync();
        for (var i = 0; i < 25; i++)
        {
            await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);
        }

        var current = await CurrentMaterialAsync(Kms, key.KeyId);
        var e = await Assert.ThrowsAsync<LimitExceededException>(() =>
            Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {key.Arn}", e.Message);
        Assert.Equal(current, await CurrentMaterialAsync(Kms, key.KeyId));
        Assert.Equal(25, (await RotationsAsync(Kms, key.KeyId)).Count);
    }

    [Fact]
    public async Task RotationChanges_OnDisabledKey_ThrowDisabled_StatusStillReadable()
    {
        var key = await CreateKeyAsync();
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, Ct);
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);

        Func<Task>[] calls =
        [
            () => Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, Ct),
            () => Kms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, Ct),
            () => Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct),
        ];
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<DisabledException>(call);
            Assert.Equal($"{key.Arn} is disabled.", e.Message);
        }

        // The status does not change while the key is disabled.
        var status = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.True(status.KeyRotationEnabled);
        Assert.Equal(365, status.RotationPeriodInDays);
        Assert.Empty(await RotationsAsync(Kms, key.KeyId));
    }

    [Fact]
    public async Task RotationChanges_OnKeyPendingDeletion_ThrowInvalidState_StatusIsFalseUntilCancelled()
    {
        var key = await CreateKeyAsync();
        await Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, Ct);
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);

        Func<Task>[] calls =
        [
            () => Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, Ct),
            () => Kms.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, Ct),
            () => Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct),
        ];
        foreach (var call in calls)
        {
            var e = await Assert.ThrowsAsync<KMSInvalidStateException>(call);
            Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
        }

        var pending = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.False(pending.KeyRotationEnabled);
        Assert.Null(pending.RotationPeriodInDays);
        Assert.Null(pending.NextRotationDate);

        await Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        var restored = await Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.True(restored.KeyRotationEnabled);
        Assert.Equal(180, restored.RotationPeriodInDays);
    }

    [Fact]
    public async Task RotationOperations_UnknownKeyOrAliasName_ThrowNotFound()
    {
        var arn = $"arn:aws:kms:us-east-1:000000000000:key/{Guid.NewGuid()}";
        var missing = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = arn }, Ct));
        Assert.Equal($"Key '{arn}' does not exist", missing.Message);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = arn }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = arn }, Ct));

        // Rotation operations take a key id or key ARN only, not an alias.
        var alias = await Assert.ThrowsAsync<NotFoundException>(() =>
            Alice.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = TestSeed.PinnedAlias }, Ct));
        Assert.Equal($"Invalid keyId '{TestSeed.PinnedAlias}'", alias.Message);
    }

    [Fact]
    public async Task AutomaticRotation_WhenDue_RotatesOnceAndMovesTheNextDate()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var oldBlob = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([7]) }, Ct)).CiphertextBlob;
        await kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, Ct);
        var enabled = await kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(clock.GetUtcNow().AddDays(90).ToUnixTimeSeconds(), Seconds(enabled.NextRotationDate));

        clock.Advance(TimeSpan.FromDays(89));
        await SweepAsync(server);
        Assert.Empty(await RotationsAsync(kms, key.KeyId));
        Assert.Equal(key.CurrentKeyMaterialId, await CurrentMaterialAsync(kms, key.KeyId));

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await SweepAsync(server);

        // Rotated exactly once, by this sweep or by the hosted one the advanced clock woke.
        var rotation = Assert.Single(await RotationsAsync(kms, key.KeyId));
        Assert.Equal(RotationType.AUTOMATIC, rotation.RotationType);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeSeconds(), Seconds(rotation.RotationDate));
        Assert.Equal(rotation.KeyMaterialId, await CurrentMaterialAsync(kms, key.KeyId));
        var after = await kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(clock.GetUtcNow().AddDays(90).ToUnixTimeSeconds(), Seconds(after.NextRotationDate));

        var old = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = oldBlob }, Ct);
        Assert.Equal(key.CurrentKeyMaterialId, old.KeyMaterialId);

        // A second sweep at the same time finds nothing due.
        Assert.DoesNotContain(key.Arn, await SweepAsync(server));
        Assert.Single(await RotationsAsync(kms, key.KeyId));
    }

    [Fact]
    public async Task AutomaticRotation_OfDisabledKey_WaitsUntilReEnabled()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, Ct);
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);

        clock.Advance(TimeSpan.FromDays(100));
        await SweepAsync(server);
        Assert.Empty(await RotationsAsync(kms, key.KeyId));

        // Re-enabled after its date: rotated on the next sweep, then every period from then on.
        await kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct);
        await SweepAsync(server);
        Assert.Equal(RotationType.AUTOMATIC, Assert.Single(await RotationsAsync(kms, key.KeyId)).RotationType);
        var status = await kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(clock.GetUtcNow().AddDays(90).ToUnixTimeSeconds(), Seconds(status.NextRotationDate));
    }

    [Fact]
    public async Task TwoInstancesSweepingAtOnce_RotateTheKeyOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (a, _) = await StartWithFakeClockAsync(clock);
        await using var _a = a;
        var (b, _) = await StartWithFakeClockAsync(clock);
        await using var _b = b;
        var key = (await a.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await a.Client().EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, Ct);

        clock.Advance(TimeSpan.FromDays(91));
        var rotated = await Task.WhenAll(SweepAsync(a), SweepAsync(b));

        // Other tests' keys on the shared store may fall due too; this key is rotated by at most one sweeper here
        // (or by a hosted sweep the advanced clock woke), and exactly once in all.
        Assert.InRange(rotated.SelectMany(r => r).Count(arn => arn == key.Arn), 0, 1);
        var rotation = Assert.Single(await RotationsAsync(b.Client(), key.KeyId));
        Assert.Equal(RotationType.AUTOMATIC, rotation.RotationType);
        Assert.Equal(rotation.KeyMaterialId, await CurrentMaterialAsync(b.Client(), key.KeyId));
    }
}

[Collection("sqlite")]
public sealed class KeyRotationTests_Sqlite(SqliteFixture f) : KeyRotationTests(f);

[Collection("postgres")]
public sealed class KeyRotationTests_Postgres(PostgresFixture f) : KeyRotationTests(f);
