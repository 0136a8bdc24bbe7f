using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KmsService.Tests.Storage;

/// <summary>Two instances on one PostgreSQL database, each caching key records and alias targets for an hour: a change
/// made through one is seen by the other within a second only because the change feed pushed it.</summary>
[Collection("postgres")]
public sealed class ChangeFeedTests_Postgres(PostgresFixture fixture) : ServiceTests(fixture)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    private PostgresFixture Postgres => (PostgresFixture)Fixture;

    [Fact]
    public async Task DisableKey_ThroughOneInstance_IsRefusedByTheOtherWithinASecond()
    {
        await using var a = await StartListeningAsync();
        await using var b = await StartListeningAsync();
        var key = await CreateKeyAsync(a.Client());
        await EncryptAsync(b.Client(), key.KeyId);
        await EncryptAsync(a.Client(), key.KeyId);

        await a.Client().DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);

        var elapsed = await TimeUntilThrowsAsync<DisabledException>(() => EncryptAsync(b.Client(), key.KeyId));
        Assert.True(elapsed < Within, $"the other instance refused only after {elapsed}");
    }

    [Fact]
    public async Task PutKeyPolicy_ThroughOneInstance_DeniesOnTheOtherWithinASecond()
    {
        await using var a = await StartListeningAsync();
        await using var b = await StartListeningAsync();
        var alice = a.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var bobOnB = b.Client(TestSeed.BobAccessKey, TestSeed.BobSecret);
        var key = await CreateKeyAsync(alice);
        await EncryptAsync(bobOnB, key.KeyId);

        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "Everyone", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": "{{TestSeed.BobArn}}"}, "Action": "kms:Encrypt", "Resource": "*"}
            ]}
            """;
        await alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        var elapsed = await TimeUntilThrowsAsync<AmazonKeyManagementServiceException>(
            () => EncryptAsync(bobOnB, key.KeyId), e => e.ErrorCode == "AccessDeniedException");
        Assert.True(elapsed < Within, $"the other instance denied only after {elapsed}");
    }

    [Fact]
    public async Task UpdateAlias_ThroughOneInstance_IsFollowedByTheOtherWithinASecond()
    {
        await using var a = await StartListeningAsync();
        await using var b = await StartListeningAsync();
        var first = await CreateKeyAsync(a.Client());
        var second = await CreateKeyAsync(a.Client());
        var alias = $"alias/feed-{Guid.NewGuid():N}";
        await a.Client().CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = first.KeyId }, Ct);
        Assert.Equal(first.Arn, (await EncryptAsync(b.Client(), alias)).KeyId);

        await a.Client().UpdateAliasAsync(new UpdateAliasRequest { AliasName = alias, TargetKeyId = second.KeyId }, Ct);

        var watch = Stopwatch.StartNew();
        while ((await EncryptAsync(b.Client(), alias)).KeyId != second.Arn)
        {
            Assert.True(watch.Elapsed < 5 * Within, "the other instance still follows the old target");
            await Task.Delay(10, Ct);
        }

        Assert.True(watch.Elapsed < Within, $"the other instance followed the alias only after {watch.Elapsed}");
    }

    [Fact]
    public async Task RevokeGrant_ThroughOneInstance_StopsTheGranteeOnTheOtherWithinASecond()
    {
        await using var a = await StartListeningAsync();
        await using var b = await StartListeningAsync();
        var alice = a.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var carolOnB = b.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);
        var key = await CreateKeyAsync(alice);

        // Carol has no identity policy: without a grant B denies her, and B caches that the key has no grants.
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(carolOnB, key.KeyId));
        var grant = await alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["Encrypt"],
        }, Ct);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await EncryptAsync(carolOnB, key.KeyId);
                break;
            }
            catch (AmazonKeyManagementServiceException e) when (e.ErrorCode == "AccessDeniedException" && watch.Elapsed < 5 * Within)
            {
                await Task.Delay(10, Ct);
            }
        }

        Assert.True(watch.Elapsed < Within, $"the other instance honoured the new grant only after {watch.Elapsed}");

        await alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = grant.GrantId }, Ct);

        var elapsed = await TimeUntilThrowsAsync<AmazonKeyManagementServiceException>(
            () => EncryptAsync(carolOnB, key.KeyId), e => e.ErrorCode == "AccessDeniedException");
        Assert.True(elapsed < Within, $"the other instance honoured the revocation only after {elapsed}");
    }

    [Fact]
    public async Task Reset_ThroughOneInstance_ClearsTheOther()
    {
        Fixture.EnsureAvailable();
        await using var database = await PostgresDatabase.CreateAsync();
        Assert.NotNull(database.ConnectionString);
        await using var a = await StartListeningAsync(database.ConnectionString, "--Kms:EnableResetEndpoint", "true");
        await using var b = await StartListeningAsync(database.ConnectionString, "--Kms:EnableResetEndpoint", "true");
        var key = await CreateKeyAsync(a.Client());
        await EncryptAsync(b.Client(), key.KeyId);

        using var response = await ResetClient.ResetAsync(a.Url, ct: Ct);
        response.EnsureSuccessStatusCode();

        var elapsed = await TimeUntilThrowsAsync<NotFoundException>(() => EncryptAsync(b.Client(), key.KeyId));
        Assert.True(elapsed < Within, $"the other instance forgot the key only after {elapsed}");
    }

    [Fact]
    public async Task ListenerConnectionEnded_ClearsCachesReconnectsAndResumes()
    {
        var logs = new CapturingLoggerProvider();
        await using var a = await StartListeningAsync();
        await using var b = await StartListeningAsync(configure: s => s.AddSingleton<ILoggerProvider>(logs));
        var key = await CreateKeyAsync(a.Client());
        await EncryptAsync(b.Client(), key.KeyId);

        // A change that publishes nothing (as if its notification were lost): the other instance keeps its cached record.
        await using (var db = a.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            await db.Keys.Where(k => k.Arn == key.Arn).ExecuteUpdateAsync(u => u.SetProperty(k => k.KeyState, "Disabled"), Ct);
        }

        await EncryptAsync(b.Client(), key.KeyId);

        var feed = b.Services.GetRequiredService<ChangeFeed>();
        var connections = feed.Connections;
        await using (var admin = new NpgsqlConnection(Postgres.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin);
            kill.Parameters.AddWithValue("pid", feed.ListenerProcessId);
            Assert.True((bool)(await kill.ExecuteScalarAsync(Ct))!);
        }

        await Eventually.TrueAsync(() => feed.IsListening && feed.Connections > connections, "the change feed to reconnect");

        // The reconnect cleared the caches (notifications may have been missed), so the change is seen now ...
        await Assert.ThrowsAsync<DisabledException>(() => EncryptAsync(b.Client(), key.KeyId));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.EventId == 3001);
        Assert.DoesNotContain(logs.Entries, e => e.Text.Contains("Password", StringComparison.OrdinalIgnoreCase));

        // ... and notifications flow again.
        await a.Client().EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await EncryptAsync(b.Client(), key.KeyId);
                break;
            }
            catch (DisabledException) when (watch.Elapsed < 5 * Within)
            {
                await Task.Delay(10, Ct);
            }
        }

        Assert.True(watch.Elapsed < Within, $"the other instance saw the key enabled only after {watch.Elapsed}");
    }

    [Fact]
    public async Task DisableKey_WhileTheOtherInstancesFeedIsStalled_IsRefusedByItWithinASecond()
    {
        await using var a = await StartListeningAsync();
        await using var proxy = StartProxy();
        await using var b = await StartListeningThroughAsync(proxy);
        var key = await CreateKeyAsync(a.Client());
        await AssertCachedBeyondASecondAsync(b, key.Arn);

        // The feed's connection stops delivering (not closed), then A disables the key: B must not learn it through the
        // feed, and still refuses within a second.
        proxy.Hang();
        await a.Client().DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var disabled = Stopwatch.StartNew();
        var (lastSuccessSent, firstRefusal) = await EncryptOnUntilAsync(b, key.KeyId, disabled, Within + TimeSpan.FromMilliseconds(500));

        TestContext.Current.TestOutputHelper?.WriteLine($"stalled feed: last success sent at {lastSuccessSent}, first refusal at {firstRefusal}");
        Assert.NotNull(firstRefusal);
        Assert.True(lastSuccessSent is null || lastSuccessSent < Within,
            $"an Encrypt sent {lastSuccessSent} after DisableKey returned still succeeded (first refusal at {firstRefusal})");
        Assert.False(b.Services.GetRequiredService<ChangeFeed>().IsFresh);
    }

    [Fact]
    public async Task StalledFeed_WhenTheConnectionDeliversAgain_IsReplacedAndCachingResumes()
    {
        await using var a = await StartListeningAsync();
        await using var proxy = StartProxy();
        await using var b = await StartListeningThroughAsync(proxy);
        var feed = b.Services.GetRequiredService<ChangeFeed>();
        var key = await CreateKeyAsync(a.Client());
        await EncryptAsync(b.Client(), key.KeyId);
        var connections = feed.Connections;

        proxy.Hang();
        await Eventually.TrueAsync(() => !feed.IsListening, "the stalled change feed to be given up");
        Assert.False(feed.IsFresh);
        await a.Client().DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        await Assert.ThrowsAsync<DisabledException>(() => EncryptAsync(b.Client(), key.KeyId));

        proxy.Restore();
        await Eventually.TrueAsync(() => feed.IsListening && feed.IsFresh && feed.Connections > connections, "the change feed to listen again");

        // Notifications flow again ...
        await a.Client().EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct);
        var elapsed = await TimeUntilSucceedsAsync(() => EncryptAsync(b.Client(), key.KeyId));
        Assert.True(elapsed < Within, $"the other instance saw the key enabled only after {elapsed}");

        // ... and records are cached beyond the second again.
        await AssertCachedBeyondASecondAsync(b, key.Arn);
    }

    [Fact]
    public async Task Feed_WhenListening_CachesForTheConfiguredTime()
    {
        await using var a = await StartListeningAsync();
        var feed = a.Services.GetRequiredService<ChangeFeed>();
        Assert.Equal(TimeSpan.FromHours(1), feed.RecordTtl);
        Assert.Equal(TimeSpan.FromSeconds(30), Server.Services.GetRequiredService<ChangeFeed>().RecordTtl);
    }

    [Fact]
    public async Task Feed_WhenTurnedOff_CachesForASecond()
    {
        await using var a = await KmsServer.StartAsync(Postgres.ConnectionString, TestSeed.Write(), Server.DataDir,
            extraArgs: ["--Kms:Cache:KeyTtlSeconds", "3600", "--Kms:Cache:ChangeFeed", "false"]);
        var feed = a.Services.GetRequiredService<ChangeFeed>();
        Assert.Null(feed.ListenConnectionString);
        Assert.False(feed.IsListening);
        Assert.Equal(TimeSpan.FromSeconds(1), feed.RecordTtl);
    }

    /// <summary>Starts an instance caching for an hour (on the fixture's database unless given another, sharing its root
    /// key) and waits until its change feed listens.</summary>
    private async Task<KmsServer> StartListeningAsync(
        string? connectionString = null, string? extraName = null, string? extraValue = null, Action<IServiceCollection>? configure = null)
    {
        Fixture.EnsureAvailable();
        string[] args = extraName is null
            ? ["--Kms:Cache:KeyTtlSeconds", "3600"]
            : ["--Kms:Cache:KeyTtlSeconds", "3600", extraName, extraValue!];
        var server = await KmsServer.StartAsync(connectionString ?? Postgres.ConnectionString, TestSeed.Write(), Server.DataDir, configure, args);
        var feed = server.Services.GetRequiredService<ChangeFeed>();
        await Eventually.TrueAsync(() => feed.IsListening, "the change feed to listen");
        return server;
    }

    /// <summary>A proxy to the fixture's PostgreSQL server.</summary>
    private TcpProxy StartProxy()
    {
        Fixture.EnsureAvailable();
        var target = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString);
        return new TcpProxy(target.Host!, target.Port);
    }

    /// <summary>Starts an instance like <see cref="StartListeningAsync"/> whose change feed alone connects through
    /// <paramref name="proxy"/> (its requests use the database directly).</summary>
    private Task<KmsServer> StartListeningThroughAsync(TcpProxy proxy)
    {
        var throughProxy = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;
        return StartListeningAsync(configure: s => s.AddSingleton(sp =>
            ChangeFeed.Listening(Postgres.ConnectionString, new CacheOptions { KeyTtlSeconds = 3600 }, sp.GetRequiredService<TimeProvider>(), throughProxy)));
    }

    /// <summary>Fills <paramref name="server"/>'s cache with the key's record, changes the key's row without publishing
    /// anything, and checks the server still serves the cached record well beyond a second; then restores the row.</summary>
    private async Task AssertCachedBeyondASecondAsync(KmsServer server, string arn)
    {
        await EncryptAsync(server.Client(), arn);
        await SetStateUnpublishedAsync(arn, "Disabled");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
            await EncryptAsync(server.Client(), arn);
        }
        finally
        {
            await SetStateUnpublishedAsync(arn, "Enabled");
        }
    }

    private async Task SetStateUnpublishedAsync(string arn, string state)
    {
        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        await db.Keys.Where(k => k.Arn == arn).ExecuteUpdateAsync(u => u.SetProperty(k => k.KeyState, state), Ct);
    }

    /// <summary>Encrypts on <paramref name="server"/> in a loop until <paramref name="until"/> on <paramref name="clock"/>;
    /// returns when (on that clock) the last successful call was sent and the first DisabledException came back.</summary>
    private static async Task<(TimeSpan? LastSuccessSent, TimeSpan? FirstRefusal)> EncryptOnUntilAsync(
        KmsServer server, string keyId, Stopwatch clock, TimeSpan until)
    {
        var client = server.Client();
        TimeSpan? lastSuccessSent = null;
        TimeSpan? firstRefusal = null;
        while (clock.Elapsed < until)
        {
            var sent = clock.Elapsed;
            try
            {
                await EncryptAsync(client, keyId);
                lastSuccessSent = sent;
            }
            catch (DisabledException)
            {
                firstRefusal ??= clock.Elapsed;
            }

            await Task.Delay(5, Ct);
        }

        return (lastSuccessSent, firstRefusal);
    }

    private static async Task<TimeSpan> TimeUntilSucceedsAsync(Func<Task> call)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await call();
                return watch.Elapsed;
            }
            catch (DisabledException) when (watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(10, Ct);
            }
        }
    }

    private static Task<EncryptResponse> EncryptAsync(AmazonKeyManagementServiceClient client, string keyId) =>
        client.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([42]) }, Ct);

    /// <summary>Calls until the call throws <typeparamref name="TException"/> (matching <paramref name="match"/>); returns
    /// how long that took. Fails after five seconds.</summary>
    private static async Task<TimeSpan> TimeUntilThrowsAsync<TException>(Func<Task> call, Func<TException, bool>? match = null)
        where TException : Exception
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await call();
            }
            catch (TException e) when (match is null || match(e))
            {
                return watch.Elapsed;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"still no {typeof(TException).Name} after {watch.Elapsed}");
            await Task.Delay(10, Ct);
        }
    }

    private sealed record LogEntry(LogLevel Level, int EventId, string Text);

    /// <summary>Records every log entry of the instance it is added to.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyList<LogEntry> Entries => [.. _entries];

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(logLevel, eventId.Id, formatter(state, exception) + " " + exception));
        }
    }
}

[Collection("sqlite")]
public sealed class ChangeFeedTests_Sqlite(SqliteFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public void Feed_OnSqlite_IsOffAndCachesForASecond()
    {
        var feed = Server.Services.GetRequiredService<ChangeFeed>();
        Assert.Null(feed.ListenConnectionString);
        Assert.False(feed.IsListening);
        Assert.Equal(TimeSpan.FromSeconds(1), feed.RecordTtl);
    }

    [Fact]
    public async Task DisableKey_OnSqlite_IsRefusedAtOnceByTheSameInstance()
    {
        var key = await CreateKeyAsync();
        await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        await Assert.ThrowsAsync<DisabledException>(() =>
            Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
    }
}
