using System.Diagnostics;
using System.Net;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Hosting;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KmsService.Tests.Storage;

/// <summary>A PostgreSQL outage, made with a TCP proxy between one instance and the shared server: calls that need
/// the store answer AWS's retryable fault, every call fails closed while its audit record cannot be committed (keys in
/// use keep working only with auditing off), readiness tells, and the log says it once.</summary>
[Collection("postgres")]
public sealed class StoreOutageTests_Postgres(PostgresFixture fixture) : ServiceTests(fixture)
{
    private PostgresFixture Postgres => (PostgresFixture)Fixture;

    [Fact]
    public async Task Cut_WithAuditing_FailsEveryCallClosed_RecoversWithinASecond_LogsOnce()
    {
        await using var proxy = StartProxy();
        var logs = new LogCapture();
        await using var server = await StartBehindAsync(proxy, logs);
        var kms = server.Client();
        var key = await CreateKeyAsync(kms);
        var ciphertext = await EncryptAsync(kms, key.KeyId);

        proxy.Cut();

        // A call whose record cannot be committed is not answered: not even a key in use, cached, is served.
        var encrypt = await Assert.ThrowsAsync<DependencyTimeoutException>(() => EncryptAsync(kms, key.KeyId));
        Assert.Equal("The system timed out while trying to fulfill the request. You can retry the request.", encrypt.Message);
        await Assert.ThrowsAsync<DependencyTimeoutException>(() => kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext) }, Ct));
        await Assert.ThrowsAsync<DependencyTimeoutException>(() => kms.ListKeysAsync(new ListKeysRequest(), Ct));

        proxy.Restore();
        var watch = Stopwatch.StartNew();
        while ((await HealthTests.GetAsync(server, "/_kms/health/ready")).Status != HttpStatusCode.OK)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "readiness stayed false after the store came back");
            await Task.Delay(20, Ct);
        }

        await EncryptAsync(kms, key.KeyId);
        Assert.Single(logs.Entries, e => e.EventId == EventIds.StoreUnavailable);
        Assert.Single(logs.Entries, e => e.EventId == EventIds.StoreRecovered);
        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task Cut_WithoutAuditing_AnswersDependencyTimeout_ServesCachedKeys_RecoversWithinASecond_LogsOnce()
    {
        await using var proxy = StartProxy();
        var logs = new LogCapture();
        await using var server = await StartBehindAsync(proxy, logs, audit: false);
        var kms = server.Client();
        var key = await CreateKeyAsync(kms);
        var ciphertext = await EncryptAsync(kms, key.KeyId);

        proxy.Cut();

        // The change feed's connection dies with the others and expires every cached entry: from now on the key is
        // served only as the outage fallback.
        var feed = server.Services.GetRequiredService<ChangeFeed>();
        await Eventually.TrueAsync(() => !feed.IsListening, "the change feed to notice");
        await EncryptAsync(kms, key.KeyId);
        await EncryptAsync(kms, $"arn:aws:kms:us-east-1:000000000000:key/{key.KeyId}");
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext) }, Ct);
        Assert.Equal(key.Arn, decrypted.KeyId);

        var list = await Assert.ThrowsAsync<DependencyTimeoutException>(() => kms.ListKeysAsync(new ListKeysRequest(), Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, list.StatusCode);
        Assert.Equal("The system timed out while trying to fulfill the request. You can retry the request.", list.Message);
        await Assert.ThrowsAsync<DependencyTimeoutException>(() => kms.CreateKeyAsync(new CreateKeyRequest(), Ct));

        var (readyStatus, ready) = await HealthTests.GetAsync(server, "/_kms/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await HealthTests.GetAsync(server, "/_kms/health/live")).Status);

        proxy.Restore();
        var watch = Stopwatch.StartNew();
        while ((await HealthTests.GetAsync(server, "/_kms/health/ready")).Status != HttpStatusCode.OK)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "readiness stayed false after the store came back");
            await Task.Delay(20, Ct);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"ready again only after {watch.Elapsed}");
        await kms.ListKeysAsync(new ListKeysRequest(), Ct);

        var unavailable = Assert.Single(logs.Entries, e => e.EventId == EventIds.StoreUnavailable);
        Assert.Null(unavailable.Exception);
        var recovered = Assert.Single(logs.Entries, e => e.EventId == EventIds.StoreRecovered);
        Assert.Contains("; 2 calls failed meanwhile", recovered.Message, StringComparison.Ordinal);
        Assert.Empty(logs.Errors);

        // The outage is the store's to log: the change feed says once that it lost its connection, without a stack
        // trace, and its failures to reconnect go to Debug. Three warnings in all: lost, unavailable, available again.
        var feedLog = logs.Entries.Where(e => e.Category == typeof(ChangeListener).FullName).ToList();
        Assert.All(feedLog, e => Assert.Null(e.Exception));
        Assert.Single(feedLog, e => e.Level >= LogLevel.Warning);
        Assert.Equal(3, logs.Entries.Count(e => e.Level >= LogLevel.Warning));
    }

    [Fact]
    public async Task Hang_WithoutAuditing_ReadinessAnswersWithinItsTimeout_AndCachedKeysDoNotWait()
    {
        await using var proxy = StartProxy();
        var logs = new LogCapture();
        await using var server = await StartBehindAsync(proxy, logs, audit: false);
        var kms = server.Client();
        var key = await CreateKeyAsync(kms);
        await EncryptAsync(kms, key.KeyId);

        proxy.Hang();

        var watch = Stopwatch.StartNew();
        var (status, body) = await HealthTests.GetAsync(server, "/_kms/health/ready");
        Assert.True(watch.Elapsed < StoreProbe.Timeout + TimeSpan.FromSeconds(1), $"readiness answered after {watch.Elapsed}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());

        // The timed-out probe began the outage: a key in use is served from the cache without waiting on the store.
        watch.Restart();
        await EncryptAsync(kms, key.KeyId);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"Encrypt took {watch.Elapsed}");

        proxy.Restore();
        watch.Restart();
        while ((await HealthTests.GetAsync(server, "/_kms/health/ready")).Status != HttpStatusCode.OK)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "readiness stayed false after the store came back");
            await Task.Delay(50, Ct);
        }

        Assert.Single(logs.Entries, e => e.EventId == EventIds.StoreUnavailable);
        Assert.Empty(logs.Errors);
    }

    private TcpProxy StartProxy()
    {
        var target = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString);
        return new TcpProxy(target.Host!, target.Port);
    }

    // An instance on the fixture's database (sharing its root key) whose every connection goes through the proxy. It
    // is returned once its change feed listens: the feed's first LISTEN clears the caches, and a key cached before
    // that would not be cached when the outage comes.
    // Without auditing (Kms:Audit:Enabled=false) keys in use are served from the cache through an outage; with it (the
    // default) every call fails closed, since its record cannot be committed.
    private async Task<KmsServer> StartBehindAsync(TcpProxy proxy, LogCapture logs, bool audit = true)
    {
        var through = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port };
        var server = await KmsServer.StartAsync(
            through.ConnectionString, TestSeed.Write(), Server.DataDir, logs.AddTo, "--Kms:Audit:Enabled", audit ? "true" : "false");
        var feed = server.Services.GetRequiredService<ChangeFeed>();
        await Eventually.TrueAsync(() => feed.IsListening, "the change feed to listen");
        return server;
    }

    private static async Task<byte[]> EncryptAsync(AmazonKeyManagementServiceClient client, string keyId)
    {
        var response = await client.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([42]) }, Ct);
        return response.CiphertextBlob.ToArray();
    }
}
