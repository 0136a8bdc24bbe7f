using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Lifecycle;

/// <summary>Keys pending deletion are really destroyed once their window has passed; the clock is a fake one
/// that the tests move forward instead of sleeping.</summary>
public abstract class KeyDeletionTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<(KmsServer Server, FakeTimeProvider Clock)> StartWithFakeClockAsync(FakeTimeProvider? clock = null)
    {
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await Fixture.StartAnotherAsync(configure: s => s.AddSingleton<TimeProvider>(clock));
        return (server, clock);
    }

    private static Task<IReadOnlyList<string>> SweepAsync(KmsServer server) =>
        server.Services.GetRequiredService<KeyDeletionService>().RunOnceAsync(Ct);

    [Fact]
    public async Task PendingDeletion_AfterTheWindow_IsDeletedWithItsMaterial()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { Tags = [new Tag { TagKey = "t", TagValue = "v" }] }, Ct)).KeyMetadata;
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([9]) }, Ct)).CiphertextBlob;
        var scheduled = await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        Assert.Equal(clock.GetUtcNow().AddDays(7).ToUnixTimeSeconds(), new DateTimeOffset(scheduled.DeletionDate!.Value).ToUnixTimeSeconds());

        clock.Advance(TimeSpan.FromDays(6));
        await SweepAsync(server);
        var pending = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(Amazon.KeyManagementService.KeyState.PendingDeletion, pending.KeyState);

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await SweepAsync(server);

        var e = await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"Key '{key.Arn}' does not exist", e.Message);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));

        await using var db = server.Services.GetRequiredService<KmsService.Storage.KmsDbFactory>().Create();
        Assert.False(db.BackingKeys.Any(b => b.KeyArn == key.Arn));
        Assert.False(db.Tags.Any(t => t.KeyArn == key.Arn));
    }

    [Fact]
    public async Task CancelledDeletion_IsNotDeletedAfterTheWindow()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        await kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);

        clock.Advance(TimeSpan.FromDays(31));
        await SweepAsync(server);

        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(Amazon.KeyManagementService.KeyState.Disabled, described.KeyState);
    }

    [Fact]
    public async Task TwoInstancesSweepingAtOnce_DeleteTheKeyOnce()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (a, _) = await StartWithFakeClockAsync(clock);
        await using var _a = a;
        var (b, _) = await StartWithFakeClockAsync(clock);
        await using var _b = b;
        var key = (await a.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await a.Client().ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);

        clock.Advance(TimeSpan.FromDays(8));
        var deleted = await Task.WhenAll(SweepAsync(a), SweepAsync(b));

        // Other tests' keys on the shared store may fall due too; this key is deleted by at most one sweeper
        // (or by a hosted sweep the advanced clock woke).
        Assert.InRange(deleted.SelectMany(d => d).Count(arn => arn == key.Arn), 0, 1);
        await Assert.ThrowsAsync<NotFoundException>(() => b.Client().DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));
    }
}

[Collection("sqlite")]
public sealed class KeyDeletionTests_Sqlite(SqliteFixture f) : KeyDeletionTests(f);

[Collection("postgres")]
public sealed class KeyDeletionTests_Postgres(PostgresFixture f) : KeyDeletionTests(f);
