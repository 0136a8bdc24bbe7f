using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmsService.Tests.Storage;

/// <summary>Expected outcomes (a duplicate alias, a unique violation between two writers, the first start on a fresh
/// database) leave no error in the log; an unexpected store error is logged once.</summary>
public abstract class ExpectedErrorLogTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task FreshStore_DuplicateAlias_AndUniqueViolation_LogNoError()
    {
        var logs = new LogCapture();
        await using var fresh = await StartFreshAsync(logs);
        var kms = fresh.Server.Client();
        var key = await CreateKeyAsync(kms);
        var alias = $"alias/dup-{Guid.NewGuid():N}";
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct);

        await Assert.ThrowsAsync<AlreadyExistsException>(
            () => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct));

        // As when two writers race past the existence check: the primary key refuses the second.
        var now = DateTime.UtcNow;
        var row = new AliasRow { AccountId = "000000000000", Region = "us-east-1", AliasName = alias, TargetKeyArn = key.Arn, CreationDate = now, LastUpdatedDate = now };
        var result = await fresh.Server.Services.GetRequiredService<AliasStore>().CreateAsync(row, quota: 50, audit: null, Ct);
        Assert.Equal(AliasWriteResult.AlreadyExists, result);

        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task UnexpectedStoreError_IsLoggedOnceWithItsStackTrace()
    {
        var logs = new LogCapture();
        await using var fresh = await StartFreshAsync(logs);
        var kms = fresh.Server.Client();
        var key = await CreateKeyAsync(kms);
        await using (var db = fresh.Server.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            await db.Database.ExecuteSqlRawAsync("DROP TABLE tags", Ct);
        }

        fresh.Server.Services.GetRequiredService<KeyStore>().Invalidate(key.Arn);
        await Assert.ThrowsAsync<KMSInternalException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));

        var error = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(EventIds.UnexpectedRequestError, error.EventId);
        Assert.NotNull(error.Exception);
    }

    private async Task<IsolatedServer> StartFreshAsync(LogCapture logs)
    {
        Fixture.EnsureAvailable();
        if (Fixture is PostgresFixture)
        {
            var database = await PostgresDatabase.CreateAsync();
            return new IsolatedServer(await KmsServer.StartAsync(database.ConnectionString, TestSeed.Write(), configure: logs.AddTo), database);
        }

        return new IsolatedServer(await KmsServer.StartAsync(null, TestSeed.Write(), configure: logs.AddTo), null);
    }
}

[Collection("sqlite")]
public sealed class ExpectedErrorLogTests_Sqlite(SqliteFixture f) : ExpectedErrorLogTests(f);

[Collection("postgres")]
public sealed class ExpectedErrorLogTests_Postgres(PostgresFixture f) : ExpectedErrorLogTests(f);
