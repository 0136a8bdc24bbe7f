using System.Text;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace KmsService.Tests.Audit.Store;

/// <summary>The audit store on both providers: concurrent writers form one chain, a failed commit fails its callers,
/// and the verifier finds an edited, deleted or inserted row, a re-hashed chain and a forged digest.</summary>
public abstract class AuditStoreTests
{
    private static readonly string RootKey = Convert.ToBase64String(Enumerable.Repeat((byte)0xC3, 32).ToArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh migrated store: a context factory (writable or read-only), the configuration arguments that
    /// name it for <c>audit verify</c>, and what to dispose.</summary>
    private protected abstract Task<TestStore> NewStoreAsync();

    [Fact]
    public async Task Append_FromTwoWritersConcurrently_FormsOneValidChain()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var options = new AuditStoreOptions { DigestEvery = 25, DigestSeconds = 0, BatchSize = 16 };
        using var a = NewWriter(store, hsa, options);
        using var b = NewWriter(store, hsa, options);
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => (i % 2 == 0 ? a : b).AppendAsync(Entry(i), Ct)));
        await a.StopAsync(Ct);
        await b.StopAsync(Ct);

        await using var db = store.Create();
        var result = await new AuditVerifier(hsa).VerifyAsync(db, Ct);
        Assert.True(result.Valid, result.Message);
        Assert.Equal(200, result.Records);
        Assert.True(result.Digests >= 1);
        Assert.Equal(200, await db.AuditRecords.Select(r => r.EventId).Distinct().CountAsync(Ct));
    }

    [Theory]
    [InlineData("edit", 5)]
    [InlineData("delete", 5)]
    [InlineData("insert", 11)]
    public async Task Verify_AfterTampering_ReportsTheSequence(string tampering, long expected)
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        await AppendAsync(store, hsa, new AuditStoreOptions { DigestEvery = 1000, DigestSeconds = 0 }, 10);

        await using (var db = store.Create())
        {
            switch (tampering)
            {
                case "edit":
                    await db.AuditRecords.Where(r => r.Sequence == 5)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.RecordJson, Encoding.UTF8.GetBytes("{\"eventName\":\"Nothing\"}")), Ct);
                    break;
                case "delete":
                    await db.AuditRecords.Where(r => r.Sequence == 5).ExecuteDeleteAsync(Ct);
                    break;
                default:
                    var last = await db.AuditRecords.AsNoTracking().SingleAsync(r => r.Sequence == 10, Ct);
                    var inserted = Row(11, "inserted", last.Hash);
                    db.AuditRecords.Add(inserted);
                    await db.SaveChangesAsync(Ct);
                    break;
            }
        }

        var result = await VerifyAsync(store, hsa);
        Assert.False(result.Valid);
        Assert.Equal(expected, result.FirstBadSequence);
        Assert.Contains(tampering switch { "edit" => "edited", "delete" => "deleted", _ => "inserted" }, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterAnEditWithTheChainRehashed_FailsTheSignedDigest()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        await AppendAsync(store, hsa, new AuditStoreOptions { DigestEvery = 10, DigestSeconds = 0 }, 10);

        // Someone with write access rewrites record 5 and recomputes every hash after it, and the head.
        await using (var db = store.Create())
        {
            var rows = await db.AuditRecords.OrderBy(r => r.Sequence).ToListAsync(Ct);
            rows[4].EventName = "Nothing";
            var prev = rows[3].Hash;
            foreach (var row in rows.Skip(4))
            {
                row.PrevHash = prev;
                row.Hash = AuditHash.Compute(prev, row);
                prev = row.Hash;
            }

            await db.SaveChangesAsync(Ct);
            await db.AuditChainHead.ExecuteUpdateAsync(s => s.SetProperty(h => h.LastHash, prev), Ct);
        }

        var result = await VerifyAsync(store, hsa);
        Assert.False(result.Valid);
        Assert.Equal(1, result.FirstBadSequence);
        Assert.Contains("do not match their signed digest", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithAForgedDigest_FailsItsSignature()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        await AppendAsync(store, hsa, new AuditStoreOptions { DigestEvery = 4, DigestSeconds = 0, BatchSize = 4 }, 12);

        await using (var db = store.Create())
        {
            var digest = await db.AuditDigests.OrderBy(d => d.LastSequence).Skip(1).FirstAsync(Ct);
            digest.Signature[0] ^= 1;
            db.Entry(digest).Property(d => d.Signature).IsModified = true;
            await db.SaveChangesAsync(Ct);
        }

        // Signed under another root key: just as invalid.
        using var other = new SoftwareHsa(RootKeyFile.FromBase64(Convert.ToBase64String(new byte[32])), TimeProvider.System);
        Assert.False((await VerifyAsync(store, other)).Valid);

        var result = await VerifyAsync(store, hsa);
        Assert.False(result.Valid);
        Assert.Contains("invalid signature", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Append_ToAnUnwritableStore_FailsEveryWaiter()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var options = new AuditStoreOptions { DigestSeconds = 0 };
        using var writer = new AuditWriter(new KmsDbFactory(store.CreateReadOnly), new AuditChain(hsa, TimeProvider.System, options),
            options, TimeProvider.System, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(Ct);

        var calls = Enumerable.Range(0, 8).Select(i => writer.AppendAsync(Entry(i), Ct)).ToList();
        foreach (var call in calls)
        {
            await Assert.ThrowsAsync<KMSInternalException>(() => call);
        }

        await writer.StopAsync(Ct);
        await using var db = store.Create();
        Assert.Equal(0, await db.AuditRecords.CountAsync(Ct));
    }

    [Fact]
    public async Task AppendInTransaction_RolledBackThenCommitted_LeavesOneValidChain()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var chain = new AuditChain(hsa, TimeProvider.System, new AuditStoreOptions { DigestEvery = 2, DigestSeconds = 0 });
        await AppendAsync(store, hsa, new AuditStoreOptions { DigestEvery = 1000, DigestSeconds = 0 }, 3);

        // A state change that fails takes its record with it; one that commits, commits its record too.
        foreach (var commit in new[] { false, true })
        {
            await using var db = store.Create();
            await using var tx = await db.Database.BeginTransactionAsync(Ct);
            db.StoreMeta.Add(new StoreMetaRow { Name = "state-change", Value = commit.ToString() });
            await chain.AppendAsync(db, [Entry(100)], Ct);
            if (commit)
            {
                await tx.CommitAsync(Ct);
            }
        }

        var result = await VerifyAsync(store, hsa);
        Assert.True(result.Valid, result.Message);
        Assert.Equal(4, result.Records);
        Assert.Equal(1, result.Digests);
        await using var check = store.Create();
        Assert.Equal("True", (await check.StoreMeta.SingleAsync(m => m.Name == "state-change", Ct)).Value);
    }

    [Fact]
    public async Task AppendInTransaction_WithoutATransaction_Throws()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var chain = new AuditChain(hsa, TimeProvider.System, new AuditStoreOptions());
        await using var db = store.Create();
        await Assert.ThrowsAsync<InvalidOperationException>(() => chain.AppendAsync(db, [Entry(1)], Ct));
    }

    [Fact]
    public async Task Append_WithAnOversizedField_FailsOnlyThatCall()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var options = new AuditStoreOptions { DigestSeconds = 0 };
        using var writer = NewWriter(store, hsa, options);
        await writer.StartAsync(Ct);

        var good = writer.AppendAsync(Entry(1), Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => writer.AppendAsync(Entry(2) with { EventName = new string('x', 129) }, Ct));
        await good;
        await writer.StopAsync(Ct);

        Assert.Equal(1, (await VerifyAsync(store, hsa)).Records);
    }

    [Fact]
    public async Task Writer_WhenRecordsWaitDigestSeconds_SignsADigestWithoutNewRecords()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
        var options = new AuditStoreOptions { DigestEvery = 1000, DigestSeconds = 60 };
        using var writer = new AuditWriter(new KmsDbFactory(store.Create), new AuditChain(hsa, time, options), options, time, NullLogger<AuditWriter>.Instance);
        await writer.StartAsync(Ct);

        // The first records of a store are signed at once (no digest yet); the next wait for the period.
        await writer.AppendAsync(Entry(1), Ct);
        await writer.AppendAsync(Entry(2), Ct);
        Assert.Equal(1, (await VerifyAsync(store, hsa)).Digests);

        time.Advance(TimeSpan.FromSeconds(61));
        AuditVerification result;
        var waited = 0;
        do
        {
            // Waits for the writer's loop to act on the advanced clock (bounded), not for time to pass.
            await Task.Delay(20, Ct);
            result = await VerifyAsync(store, hsa);
        }
        while (result.Digests < 2 && ++waited < 250);

        await writer.StopAsync(Ct);
        Assert.True(result.Valid, result.Message);
        Assert.Equal(2, result.Digests);
        Assert.Equal("valid: 2 records, 2 signed digests", result.Message);
    }

    [Fact]
    public async Task AuditVerifyVerb_ValidThenTampered_ExitsZeroThenOne()
    {
        await using var store = await NewStoreAsync();
        using var hsa = NewHsa();
        // One record at a time, so that the digests fall at records 3 and 6 whatever the batches would have been.
        var options = new AuditStoreOptions { DigestEvery = 3, DigestSeconds = 0, BatchSize = 3 };
        using (var writer = NewWriter(store, hsa, options))
        {
            await writer.StartAsync(Ct);
            for (var i = 0; i < 6; i++)
            {
                await writer.AppendAsync(Entry(i), Ct);
            }

            await writer.StopAsync(Ct);
        }

        await using (var db = store.Create())
        {
            await RootKeyCheck.EnsureRecordedAsync(db, hsa, Ct);
        }

        string[] args = ["audit", "verify", "--Kms:RootKey", RootKey, .. store.ConfigArgs];
        using var valid = new StringWriter();
        Assert.Equal(0, await AuditVerifyCommand.RunAsync(args, valid, Ct));
        Assert.StartsWith("audit verify: valid: 6 records, 2 signed digests", valid.ToString(), StringComparison.Ordinal);

        await using (var db = store.Create())
        {
            await db.AuditRecords.Where(r => r.Sequence == 2).ExecuteUpdateAsync(s => s.SetProperty(r => r.Username, "someone-else"), Ct);
        }

        using var tampered = new StringWriter();
        Assert.Equal(1, await AuditVerifyCommand.RunAsync(args, tampered, Ct));
        Assert.Equal("audit verify: tampered: record 2 was edited (its content does not match its hash)", tampered.ToString().Trim());
    }

    private static SoftwareHsa NewHsa() => new(RootKeyFile.FromBase64(RootKey), TimeProvider.System);

    private static AuditWriter NewWriter(TestStore store, IHsa hsa, AuditStoreOptions options) =>
        new(new KmsDbFactory(store.Create), new AuditChain(hsa, TimeProvider.System, options), options, TimeProvider.System, NullLogger<AuditWriter>.Instance);

    private static async Task AppendAsync(TestStore store, IHsa hsa, AuditStoreOptions options, int count)
    {
        using var writer = NewWriter(store, hsa, options);
        await writer.StartAsync(Ct);
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => writer.AppendAsync(Entry(i), Ct)));
        await writer.StopAsync(Ct);
    }

    private static async Task<AuditVerification> VerifyAsync(TestStore store, IHsa hsa)
    {
        await using var db = store.Create();
        return await new AuditVerifier(hsa).VerifyAsync(db, Ct);
    }

    private static AuditEntry Entry(int i) => new(
        Guid.NewGuid().ToString(), DateTimeOffset.UtcNow, "111122223333", null, i % 3 == 0 ? "Decrypt" : "Encrypt",
        "app", "AKIAEXAMPLE", "AWS::KMS::Key", "arn:aws:kms:us-east-1:111122223333:key/k" + i, true, "kms.amazonaws.com",
        Encoding.UTF8.GetBytes($"{{\"eventVersion\":\"1.08\",\"n\":{i}}}"));

    private static AuditRecordRow Row(long sequence, string eventName, byte[] prevHash)
    {
        var row = new AuditRecordRow
        {
            Sequence = sequence,
            EventId = Guid.NewGuid().ToString(),
            EventTime = AuditHash.Truncate(DateTimeOffset.UtcNow),
            AccountId = "111122223333",
            EventName = eventName,
            ReadOnly = true,
            EventSource = "kms.amazonaws.com",
            RecordJson = "{}"u8.ToArray(),
            PrevHash = prevHash,
            Hash = [],
        };
        row.Hash = AuditHash.Compute(prevHash, row);
        return row;
    }

    private protected sealed class TestStore(Func<KmsDbContext> create, Func<KmsDbContext> createReadOnly, string[] configArgs, IAsyncDisposable? owner)
        : IAsyncDisposable
    {
        public string[] ConfigArgs { get; } = configArgs;

        public KmsDbContext Create() => create();

        public KmsDbContext CreateReadOnly() => createReadOnly();

        public async ValueTask DisposeAsync()
        {
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }
        }
    }

    private protected static async Task<TestStore> MigratedAsync(TestStore store)
    {
        await using var db = store.Create();
        await db.Database.MigrateAsync(Ct);
        return store;
    }
}

public sealed class AuditStoreTests_Sqlite : AuditStoreTests
{
    private protected override Task<TestStore> NewStoreAsync()
    {
        var dir = Directory.CreateTempSubdirectory("kms-audit-").FullName;
        var file = Path.Combine(dir, DataFolder.DatabaseFile);
        KmsDbContext Open(string mode) => new SqliteKmsDbContext(new DbContextOptionsBuilder<SqliteKmsDbContext>()
            .UseSqlite($"Data Source={file};Mode={mode};Pooling=False").Options);
        return MigratedAsync(new TestStore(() => Open("ReadWriteCreate"), () => Open("ReadOnly"), ["--Kms:DataDir", dir], null));
    }
}

public sealed class AuditStoreTests_Postgres : AuditStoreTests
{
    private protected override async Task<TestStore> NewStoreAsync()
    {
        var database = await PostgresDatabase.CreateOrSkipAsync();

        var cs = database.ConnectionString!;
        var readOnly = new NpgsqlConnectionStringBuilder(cs) { Options = "-c default_transaction_read_only=on" }.ConnectionString;
        KmsDbContext Open(string connectionString) => new PostgresKmsDbContext(new DbContextOptionsBuilder<PostgresKmsDbContext>()
            .UseNpgsql(connectionString).Options);
        return await MigratedAsync(new TestStore(() => Open(cs), () => Open(readOnly), ["--Kms:Store", "postgres", "--ConnectionStrings:Kms", cs], database));
    }
}
