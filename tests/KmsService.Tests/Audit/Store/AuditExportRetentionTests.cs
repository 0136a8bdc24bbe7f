using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Audit.Store;

/// <summary>Export as CloudTrail log files and retention on both providers: file layout and content, one file per
/// account and region, the cursor across restarts and concurrent exporters, pruning that keeps the chain verifiable,
/// and tampering that pruning does not hide.</summary>
public abstract partial class AuditExportRetentionTests
{
    private const string AccountA = "111122223333";
    private const string AccountB = "444455556666";
    private static readonly string RootKey = Convert.ToBase64String(Enumerable.Repeat((byte)0x5A, 32).ToArray());
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 34, 56, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh migrated store: a context factory, the arguments naming it for <c>audit verify</c>, and an owner to
    /// dispose.</summary>
    private protected abstract Task<(Func<KmsDbContext> Create, string[] ConfigArgs, IAsyncDisposable? Owner)> NewStoreAsync();

    [Fact]
    public void Options_ByDefault_ExportAndRetentionAreOff()
    {
        var options = new AuditStoreOptions();
        Assert.False(options.ExportEnabled);
        Assert.Equal(0, options.RetentionDays);
        Assert.Equal(60, options.ExportSeconds);
    }

    [Fact]
    public async Task Export_RecordsOfTwoAccountsAndRegions_WritesOneCloudTrailLogFilePerAccountAndRegion()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await AppendAsync(store, hsa, time, [
            Entry(1, AccountA, "us-east-1"), Entry(2, AccountA, "eu-west-1"), Entry(3, AccountB, "us-east-1"),
            Entry(4, AccountA, "us-east-1"), Entry(5, AccountA, null)]);
        var folder = NewFolder();

        var files = await NewExporter(store, folder, time).RunOnceAsync(Ct);

        // A record without awsRegion goes to the default region's file (us-west-2 here).
        Assert.Equal(4, files.Count);
        var pattern = LogFileName();
        var byName = new Dictionary<(string Account, string Region), List<string>>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            var match = pattern.Match(relative);
            Assert.True(match.Success, relative);
            Assert.Equal("2026/11/30", match.Groups["day"].Value);
            Assert.Equal("20261130T1234Z", match.Groups["stamp"].Value);
            var records = ReadLog(file);
            Assert.All(records, r => Assert.Equal(match.Groups["account"].Value, r.GetProperty("recipientAccountId").GetString()));
            byName.Add((match.Groups["account"].Value, match.Groups["region"].Value), records.ConvertAll(r => r.GetRawText()));
        }

        // Each record verbatim, in sequence order.
        Assert.Equal(new[] { Json(1, AccountA, "us-east-1"), Json(4, AccountA, "us-east-1") }, byName[(AccountA, "us-east-1")]);
        Assert.Equal(new[] { Json(2, AccountA, "eu-west-1") }, byName[(AccountA, "eu-west-1")]);
        Assert.Equal(new[] { Json(3, AccountB, "us-east-1") }, byName[(AccountB, "us-east-1")]);
        Assert.Equal(new[] { Json(5, AccountA, null) }, byName[(AccountA, "us-west-2")]);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Export_AgainAndAfterARestart_ExportsEachRecordOnce()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        var folder = NewFolder();
        await AppendAsync(store, hsa, time, [.. Enumerable.Range(1, 7).Select(i => Entry(i))]);
        Assert.Single(await NewExporter(store, folder, time).RunOnceAsync(Ct));
        Assert.Empty(await NewExporter(store, folder, time).RunOnceAsync(Ct));

        // A new exporter (a restarted instance) starts from the persisted cursor; rounds are cut at ExportMaxRecords.
        await AppendAsync(store, hsa, time, [.. Enumerable.Range(8, 5).Select(i => Entry(i))]);
        time.Advance(TimeSpan.FromMinutes(1));
        var files = await NewExporter(store, folder, time, maxRecords: 2).RunOnceAsync(Ct);

        Assert.Equal(3, files.Count);
        Assert.Equal(Enumerable.Range(1, 12), AllRecords(folder).Select(r => r.GetProperty("n").GetInt32()).Order());
        await using var db = store.Create();
        Assert.Equal(12, (await db.AuditExportCursor.SingleAsync(Ct)).LastSequence);
    }

    [Fact]
    public async Task Export_WhenTheCursorCommitWasLost_WritesTheSameRecordsAgain()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        var folder = NewFolder();
        await AppendAsync(store, hsa, time, [.. Enumerable.Range(1, 4).Select(i => Entry(i))]);
        var first = Assert.Single(await NewExporter(store, folder, time).RunOnceAsync(Ct));

        // A crash after the file was durable and before the cursor committed: at least once, never a lost record.
        await using (var db = store.Create())
        {
            await db.AuditExportCursor.ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSequence, 0L), Ct);
        }

        var again = Assert.Single(await NewExporter(store, folder, time).RunOnceAsync(Ct));
        Assert.NotEqual(first, again);
        Assert.Equal(ReadLog(first).ConvertAll(r => r.GetRawText()), ReadLog(again).ConvertAll(r => r.GetRawText()));
    }

    [Fact]
    public async Task Export_TwoExportersWhileRecordsArrive_NeverExportARecordTwice()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        var (folderA, folderB) = (NewFolder(), NewFolder());
        var a = NewExporter(store, folderA, time, maxRecords: 7);
        var b = NewExporter(store, folderB, time, maxRecords: 7);

        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await AppendAsync(store, hsa, time, [.. Enumerable.Range(i * 5 + 1, 5).Select(n => Entry(n))]);
            }
        }, Ct);
        async Task ExportWhile(AuditExporter exporter)
        {
            while (!writing.IsCompleted)
            {
                await exporter.RunOnceAsync(Ct);
                await Task.Yield();
            }
        }

        await Task.WhenAll(writing, ExportWhile(a), ExportWhile(b));
        await a.RunOnceAsync(Ct);
        await b.RunOnceAsync(Ct);

        var numbers = AllRecords(folderA).Concat(AllRecords(folderB)).Select(r => r.GetProperty("n").GetInt32()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 100), numbers);
    }

    [Fact]
    public async Task Export_Off_WritesNothing()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await AppendAsync(store, hsa, time, [Entry(1)]);
        var exporter = new AuditExporter(new KmsDbFactory(store.Create), new AuditStoreOptions(), "us-east-1", time, NullLogger<AuditExporter>.Instance);

        Assert.Empty(await exporter.RunOnceAsync(Ct));
    }

    [Fact]
    public async Task Prune_Off_ByDefault_DeletesNothing()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await AppendAsync(store, hsa, time, [.. Enumerable.Range(1, 10).Select(i => Entry(i))]);
        time.Advance(TimeSpan.FromDays(3650));

        Assert.Equal(0, await NewPruner(store, hsa, time, new AuditStoreOptions()).RunOnceAsync(Ct));
        Assert.Equal(10, (await VerifyAsync(store, hsa)).Records);
    }

    [Fact]
    public async Task Prune_PastRetention_CutsAtADigestBoundaryInChunksAndVerifyStaysValid()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await SeedOldAndYoungAsync(store, hsa, time);

        // Records 1..25 are old, 26..35 young; digests end at 10, 20, 30: the digest 21..30 holds young records.
        var pruned = await NewPruner(store, hsa, time, Retention()).RunOnceAsync(Ct);

        Assert.Equal(20, pruned);
        await using (var db = store.Create())
        {
            var checkpoints = await db.AuditCheckpoints.OrderBy(c => c.ThroughSequence).Select(c => c.ThroughSequence).ToListAsync(Ct);
            Assert.Equal("10,20", string.Join(',', checkpoints));
            Assert.Equal(21, await db.AuditRecords.MinAsync(r => r.Sequence, Ct));
        }

        var result = await VerifyAsync(store, hsa);
        Assert.True(result.Valid, result.Message);
        Assert.Equal(20, result.PrunedThrough);
        Assert.Equal("valid: 15 records, 1 signed digests; the last 5 records are chained, not yet signed; records 1..20 pruned under a signed checkpoint", result.Message);

        // The verb reports it in its one line, and pruning again later continues from the checkpoint.
        using var output = new StringWriter();
        Assert.Equal(0, await AuditVerifyCommand.RunAsync(["audit", "verify", "--Kms:RootKey", RootKey, .. store.ConfigArgs], output, Ct));
        Assert.EndsWith("records 1..20 pruned under a signed checkpoint", output.ToString().Trim(), StringComparison.Ordinal);
        time.Advance(TimeSpan.FromDays(30));
        Assert.Equal(10, await NewPruner(store, hsa, time, Retention()).RunOnceAsync(Ct));
        Assert.True((await VerifyAsync(store, hsa)).Valid);
    }

    [Fact]
    public async Task Prune_WithExportOn_NeverPassesTheExportCursor()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await SeedOldAndYoungAsync(store, hsa, time);
        var folder = NewFolder();
        var options = Retention(folder);

        Assert.Equal(0, await NewPruner(store, hsa, time, options).RunOnceAsync(Ct));

        await using (var db = store.Create())
        {
            await db.AuditExportCursor.ExecuteUpdateAsync(s => s.SetProperty(c => c.LastSequence, 15L), Ct);
        }

        Assert.Equal(10, await NewPruner(store, hsa, time, options).RunOnceAsync(Ct));
        await NewExporter(store, folder, time).RunOnceAsync(Ct);
        Assert.Equal(10, await NewPruner(store, hsa, time, options).RunOnceAsync(Ct));
        Assert.True((await VerifyAsync(store, hsa)).Valid);
    }

    [Theory]
    [InlineData("edit-survivor", 24L, "edited")]
    [InlineData("forge-checkpoint", 20L, "invalid signature")]
    [InlineData("checkpoint-beyond", 30L, "invalid signature")]
    [InlineData("delete-checkpoint", 11L, "deleted")]
    [InlineData("delete-without-checkpoint", 21L, "deleted")]
    public async Task Verify_AfterPruningAndTampering_ReportsIt(string tampering, long sequence, string words)
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await SeedOldAndYoungAsync(store, hsa, time);
        Assert.Equal(20, await NewPruner(store, hsa, time, Retention()).RunOnceAsync(Ct));

        await using (var db = store.Create())
        {
            switch (tampering)
            {
                case "edit-survivor":
                    await db.AuditRecords.Where(r => r.Sequence == 24).ExecuteUpdateAsync(s => s.SetProperty(r => r.EventName, "Nothing"), Ct);
                    break;
                case "forge-checkpoint":
                    var newest = await db.AuditCheckpoints.SingleAsync(c => c.ThroughSequence == 20, Ct);
                    newest.Signature[0] ^= 1;
                    db.Entry(newest).Property(c => c.Signature).IsModified = true;
                    await db.SaveChangesAsync(Ct);
                    break;
                case "checkpoint-beyond":
                    // Hide the deletion of 21..30 behind a checkpoint signed without the root key.
                    var record30 = await db.AuditRecords.SingleAsync(r => r.Sequence == 30, Ct);
                    db.AuditCheckpoints.Add(new AuditCheckpointRow { ThroughSequence = 30, HeadHash = record30.Hash, PrunedAt = time.GetUtcNow().UtcDateTime, Signature = new byte[32] });
                    await db.SaveChangesAsync(Ct);
                    await db.AuditRecords.Where(r => r.Sequence <= 30).ExecuteDeleteAsync(Ct);
                    await db.AuditDigests.Where(d => d.LastSequence <= 30).ExecuteDeleteAsync(Ct);
                    break;
                case "delete-checkpoint":
                    await db.AuditCheckpoints.Where(c => c.ThroughSequence == 20).ExecuteDeleteAsync(Ct);
                    break;
                default:
                    await db.AuditRecords.Where(r => r.Sequence <= 30).ExecuteDeleteAsync(Ct);
                    await db.AuditDigests.Where(d => d.LastSequence <= 30).ExecuteDeleteAsync(Ct);
                    break;
            }
        }

        var result = await VerifyAsync(store, hsa);
        Assert.False(result.Valid);
        Assert.Equal(sequence, result.FirstBadSequence);
        Assert.Contains(words, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_OverATamperedStretch_RefusesAndKeepsTheEvidence()
    {
        await using var store = await StoreAsync();
        using var hsa = NewHsa();
        var time = new FakeTimeProvider(Start);
        await SeedOldAndYoungAsync(store, hsa, time);
        await using (var db = store.Create())
        {
            await db.AuditRecords.Where(r => r.Sequence == 15).ExecuteUpdateAsync(s => s.SetProperty(r => r.Username, "someone-else"), Ct);
        }

        // The first chunk (1..10) is sound and goes; the second holds the edit and stays.
        Assert.Equal(10, await NewPruner(store, hsa, time, Retention()).RunOnceAsync(Ct));

        var result = await VerifyAsync(store, hsa);
        Assert.False(result.Valid);
        Assert.Equal(15, result.FirstBadSequence);
    }

    // 25 records at Start, then (10 days later) 10 more; digests every 10 records. Retention() is 7 days.
    private static async Task SeedOldAndYoungAsync(TestStore store, IHsa hsa, FakeTimeProvider time)
    {
        for (var i = 0; i < 35; i += 5)
        {
            if (i == 25)
            {
                time.Advance(TimeSpan.FromDays(10));
            }

            await AppendAsync(store, hsa, time, [.. Enumerable.Range(i + 1, 5).Select(n => Entry(n, time: time.GetUtcNow()))]);
        }
    }

    private static AuditStoreOptions Retention(string? exportFolder = null) =>
        new() { RetentionDays = 7, PruneChunk = 10, ExportFolder = exportFolder, DigestEvery = 10, DigestSeconds = 0 };

    private static SoftwareHsa NewHsa() => new(RootKeyFile.FromBase64(RootKey), TimeProvider.System);

    private static string NewFolder() => Directory.CreateTempSubdirectory("kms-export-").FullName;

    private static AuditExporter NewExporter(TestStore store, string folder, TimeProvider time, int maxRecords = 10000) =>
        new(new KmsDbFactory(store.Create), new AuditStoreOptions { ExportFolder = folder, ExportMaxRecords = maxRecords }, "us-west-2", time,
            NullLogger<AuditExporter>.Instance);

    private static AuditPruner NewPruner(TestStore store, IHsa hsa, TimeProvider time, AuditStoreOptions options) =>
        new(new KmsDbFactory(store.Create), new AuditVerifier(hsa), hsa, options, time, NullLogger<AuditPruner>.Instance);

    // Appended as the service does, in one transaction; a digest whenever 10 records are uncovered.
    private static async Task AppendAsync(TestStore store, IHsa hsa, TimeProvider time, IReadOnlyList<AuditEntry> entries)
    {
        var chain = new AuditChain(hsa, time, new AuditStoreOptions { DigestEvery = 10, DigestSeconds = 0 });
        await using var db = store.Create();
        await using var tx = await db.Database.BeginTransactionAsync(Ct);
        await chain.AppendAsync(db, entries, Ct);
        await tx.CommitAsync(Ct);
    }

    private static async Task<AuditVerification> VerifyAsync(TestStore store, IHsa hsa)
    {
        await using var db = store.Create();
        return await new AuditVerifier(hsa).VerifyAsync(db, Ct);
    }

    private static string Json(int n, string account, string? region) =>
        $"{{\"eventVersion\":\"1.08\",\"eventID\":\"e-{n}\"" + (region is null ? "" : $",\"awsRegion\":\"{region}\"")
        + $",\"recipientAccountId\":\"{account}\",\"requestParameters\":{{\"awsRegion\":\"not-this\"}},\"n\":{n}}}";

    private static AuditEntry Entry(int n, string account = AccountA, string? region = "us-east-1", DateTimeOffset? time = null) => new(
        $"e-{n}-{Guid.NewGuid()}", time ?? Start, account, null, "Encrypt", "app", "AKIAEXAMPLE", "AWS::KMS::Key",
        $"arn:aws:kms:us-east-1:{account}:key/k{n}", false, "kms.amazonaws.com", Encoding.UTF8.GetBytes(Json(n, account, region)));

    private static List<JsonElement> ReadLog(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(gzip);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        Assert.Single(document.RootElement.EnumerateObject());
        return [.. document.RootElement.GetProperty("Records").EnumerateArray().Select(r => r.Clone())];
    }

    private static IEnumerable<JsonElement> AllRecords(string folder) =>
        Directory.GetFiles(folder, "*.json.gz", SearchOption.AllDirectories).SelectMany(ReadLog);

    [GeneratedRegex(@"^AWSLogs/(?<account>\d{12})/CloudTrail/(?<region>[a-z0-9-]+)/(?<day>\d{4}/\d{2}/\d{2})/\k<account>_CloudTrail_\k<region>_(?<stamp>\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$")]
    private static partial Regex LogFileName();

    private async Task<TestStore> StoreAsync()
    {
        var (create, args, owner) = await NewStoreAsync();
        await using (var db = create())
        {
            await db.Database.MigrateAsync(Ct);
        }

        using var hsa = NewHsa();
        await using (var db = create())
        {
            await RootKeyCheck.EnsureRecordedAsync(db, hsa, Ct);
        }

        return new TestStore(create, args, owner);
    }

    private protected sealed class TestStore(Func<KmsDbContext> create, string[] configArgs, IAsyncDisposable? owner) : IAsyncDisposable
    {
        public string[] ConfigArgs { get; } = configArgs;

        public KmsDbContext Create() => create();

        public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}

public sealed class AuditExportRetentionTests_Sqlite : AuditExportRetentionTests
{
    private protected override Task<(Func<KmsDbContext> Create, string[] ConfigArgs, IAsyncDisposable? Owner)> NewStoreAsync()
    {
        var dir = Directory.CreateTempSubdirectory("kms-audit-export-").FullName;
        var file = Path.Combine(dir, DataFolder.DatabaseFile);
        KmsDbContext Open() => new SqliteKmsDbContext(new DbContextOptionsBuilder<SqliteKmsDbContext>()
            .UseSqlite($"Data Source={file};Pooling=False").Options);
        return Task.FromResult<(Func<KmsDbContext>, string[], IAsyncDisposable?)>((Open, ["--Kms:DataDir", dir], null));
    }
}

public sealed class AuditExportRetentionTests_Postgres : AuditExportRetentionTests
{
    private protected override async Task<(Func<KmsDbContext> Create, string[] ConfigArgs, IAsyncDisposable? Owner)> NewStoreAsync()
    {
        var database = await PostgresDatabase.CreateOrSkipAsync();

        var cs = database.ConnectionString!;
        KmsDbContext Open() => new PostgresKmsDbContext(new DbContextOptionsBuilder<PostgresKmsDbContext>().UseNpgsql(cs).Options);
        return (Open, ["--Kms:Store", "postgres", "--ConnectionStrings:Kms", cs], database);
    }
}
