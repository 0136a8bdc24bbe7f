using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Lifecycle;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Audit;

/// <summary>The audit trail as the service writes it, through the official SDK, on both stores: every call's record is
/// committed before its answer, state changes commit with their record, service events are recorded, a cross-account
/// call is in both accounts' trails, an unwritable audit store fails calls closed, and several instances on one
/// PostgreSQL keep one valid chain.</summary>
public abstract class AuditTrailEndToEndTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string OtherAccountRoot = "arn:aws:iam::444455556666:root";

    [Fact]
    public async Task Encrypt_WithContext_IsCommittedBeforeTheAnswerWithoutPlaintextOrKeyMaterial()
    {
        await using var isolated = await StartAsync();
        var alice = isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var plaintext = Encoding.UTF8.GetBytes("plaintext-" + Guid.NewGuid().ToString("N"));

        var encrypted = await alice.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream(plaintext),
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct);
        var dataKey = await alice.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = TestSeed.SharedKeyArn, KeySpec = DataKeySpec.AES_256 }, Ct);

        // No wait: the answer came, so its record is in the store.
        var record = await RecordAsync(isolated.Server, encrypted.ResponseMetadata.RequestId);
        Assert.Equal("Encrypt", record.GetProperty("eventName").GetString());
        Assert.Equal(TestSeed.AliceArn, record.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("acme", record.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("tenant").GetString());
        Assert.Equal(TestSeed.SharedKeyArn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());
        var generated = await RecordAsync(isolated.Server, dataKey.ResponseMetadata.RequestId);
        Assert.Equal("GenerateDataKey", generated.GetProperty("eventName").GetString());

        var secrets = new[] { plaintext, encrypted.CiphertextBlob.ToArray(), dataKey.Plaintext.ToArray(), dataKey.CiphertextBlob.ToArray() };
        await using var db = isolated.Server.Services.GetRequiredService<KmsDbFactory>().Create();
        foreach (var row in await db.AuditRecords.AsNoTracking().ToListAsync(Ct))
        {
            foreach (var secret in secrets)
            {
                AssertNotContained(row.RecordJson, secret);
                AssertNotContained(row.RecordJson, Encoding.UTF8.GetBytes(Convert.ToBase64String(secret)));
            }
        }

        if (Fixture is SqliteFixture)
        {
            // The whole database, WAL included: the plaintext and the data key are nowhere (the ciphertexts are not
            // stored either, but they are not secret).
            await isolated.Server.DisposeAsync();
            foreach (var file in Directory.GetFiles(isolated.Server.DataDir, "kms.db*"))
            {
                var bytes = await File.ReadAllBytesAsync(file, Ct);
                AssertNotContained(bytes, plaintext);
                AssertNotContained(bytes, dataKey.Plaintext.ToArray());
                AssertNotContained(bytes, Encoding.UTF8.GetBytes(Convert.ToBase64String(dataKey.Plaintext.ToArray())));
            }
        }
    }

    [Fact]
    public async Task RefusedCall_IsRecordedWithItsCallerErrorCodeAndRequestId()
    {
        await using var isolated = await StartAsync();
        var carol = isolated.Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);

        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => carol.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream("x"u8.ToArray()),
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct));

        var record = await RecordAsync(isolated.Server, refused.RequestId);
        Assert.Equal("AccessDeniedException", record.GetProperty("errorCode").GetString());
        Assert.Equal(refused.Message, record.GetProperty("errorMessage").GetString());
        Assert.Equal(TestSeed.CarolArn, record.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("acme", record.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("tenant").GetString());
    }

    [Fact]
    public async Task CallerChosenValuesLongerThanTheirColumns_AreRecordedAndAnsweredAsUsual()
    {
        await using var isolated = await StartAsync();

        // An unknown operation of 200 characters: the client's error (4xx), not a record that cannot be stored.
        var (status, type, _) = await new RawKmsRequest(isolated.Server.Url, new string('X', 200), "{}").Sign().SendAsync(Ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, status);
        Assert.Equal("UnknownOperationException", type);

        // Development accepts unknown access keys unverified, whatever their length.
        var longKey = "AKIA" + new string('Z', 200);
        (status, type, _) = await new RawKmsRequest(isolated.Server.Url, "ListKeys", "{}") { AccessKeyId = longKey }.Sign().SendAsync(Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);

        var records = await RecordsAsync(isolated.Server, r => r.GetProperty("eventName").GetString() is { Length: 200 }
            || (r.TryGetProperty("userIdentity", out var u) && u.TryGetProperty("accessKeyId", out var k) && k.GetString() == longKey));
        Assert.Equal(2, records.Count);
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task StateChange_WhoseRecordCannotBeWritten_DoesNotHappen()
    {
        var failing = new FailingInTransactionSink();
        await using var isolated = await StartAsync(configure: s => s.AddSingleton<IAuditSink>(sp =>
            failing.Wrap(sp.GetRequiredService<AuditStoreSink>())));
        var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest { Description = "in-transaction" }, Ct)).KeyMetadata;

        failing.Fail = true;
        var e = await Assert.ThrowsAsync<KMSInternalException>(() => kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct));
        await Assert.ThrowsAsync<KMSInternalException>(() => kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct));
        await Assert.ThrowsAsync<KMSInternalException>(() => kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "a", TagValue = "b" }] }, Ct));
        failing.Fail = false;

        var metadata = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Enabled, metadata.KeyState);
        Assert.Empty((await kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct)).Tags ?? []);

        // The failed call itself is recorded (through the writer), as the error it answered.
        var record = await RecordAsync(isolated.Server, e.RequestId);
        Assert.Equal("KMSInternalException", record.GetProperty("errorCode").GetString());

        // A change that goes through commits with exactly one record, the success.
        var disabled = await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var ok = await RecordAsync(isolated.Server, disabled.ResponseMetadata.RequestId);
        Assert.False(ok.TryGetProperty("errorCode", out _));
        Assert.False(ok.GetProperty("readOnly").GetBoolean());
        Assert.True(failing.InTransaction > 0);
    }

    [Fact]
    public async Task ScheduleKeyDeletion_RecordsItsResponseElementsInTheSameTransaction()
    {
        await using var isolated = await StartAsync();
        var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        var scheduled = await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);

        var record = await RecordAsync(isolated.Server, scheduled.ResponseMetadata.RequestId);
        var response = record.GetProperty("responseElements");
        Assert.Equal(key.Arn, response.GetProperty("keyId").GetString());
        Assert.Equal("PendingDeletion", response.GetProperty("keyState").GetString());
        Assert.Equal(key.KeyId, record.GetProperty("requestParameters").GetProperty("keyId").GetString());
        Assert.Equal(7, record.GetProperty("requestParameters").GetProperty("pendingWindowInDays").GetInt32());
        Assert.Equal(key.Arn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());

        // An operation that answers an empty body is recorded in the change's transaction with its full projection.
        var cancelled = await kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(key.Arn, (await RecordAsync(isolated.Server, cancelled.ResponseMetadata.RequestId)).GetProperty("responseElements").GetProperty("keyId").GetString());
        var disabled = await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var disable = await RecordAsync(isolated.Server, disabled.ResponseMetadata.RequestId);
        Assert.Equal(key.KeyId, disable.GetProperty("requestParameters").GetProperty("keyId").GetString());
        Assert.Equal(key.Arn, disable.GetProperty("responseElements").GetProperty("keyId").GetString());
    }

    [Fact]
    public async Task UnwritableAuditStore_FailsEveryCallClosedAndReturnsNothing()
    {
        await using var isolated = await StartAsync();
        var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream("warm"u8.ToArray()) }, Ct);

        await RefuseAuditInsertsAsync(isolated.Server, refuse: true);
        await Assert.ThrowsAsync<KMSInternalException>(() =>
            kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream("secret"u8.ToArray()) }, Ct));
        await Assert.ThrowsAsync<KMSInternalException>(() =>
            kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = 32 }, Ct));
        await Assert.ThrowsAsync<KMSInternalException>(() => kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct));

        // Raw: the answer is the error alone.
        var (status, type, _) = await new RawKmsRequest(isolated.Server.Url, "Encrypt", $$"""{"KeyId":"{{key.KeyId}}","Plaintext":"c2VjcmV0"}""").Sign().SendAsync(Ct);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, status);
        Assert.Equal("KMSInternalException", type);

        await RefuseAuditInsertsAsync(isolated.Server, refuse: false);
        Assert.Equal(KeyState.Enabled, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata.KeyState);
        await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream("again"u8.ToArray()) }, Ct);
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task CrossAccountCall_IsInBothAccountsTrailsWithOneSharedEventId()
    {
        await using var isolated = await StartAsync();
        var alice = isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var key = (await alice.CreateKeyAsync(new CreateKeyRequest
        {
            Policy = $$"""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
                  {"Sid": "OtherAccount", "Effect": "Allow", "Principal": {"AWS": "{{OtherAccountRoot}}"}, "Action": "kms:*", "Resource": "*"}]}
                """,
        }, Ct)).KeyMetadata;
        var other = isolated.Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

        var encrypted = await other.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = new MemoryStream("x"u8.ToArray()) }, Ct);

        await using var db = isolated.Server.Services.GetRequiredService<KmsDbFactory>().Create();
        var copies = (await db.AuditRecords.AsNoTracking().ToListAsync(Ct))
            .Select(r => (Row: r, Json: JsonDocument.Parse(r.RecordJson).RootElement))
            .Where(c => c.Json.GetProperty("requestID").GetString() == encrypted.ResponseMetadata.RequestId)
            .ToList();
        Assert.Equal(2, copies.Count);
        Assert.Equal(["111122223333", "444455556666"], copies.Select(c => c.Row.AccountId).Order());
        foreach (var (row, json) in copies)
        {
            Assert.Equal(row.AccountId, json.GetProperty("recipientAccountId").GetString());
            Assert.Equal("arn:aws:iam::444455556666:role/other", json.GetProperty("userIdentity").GetProperty("arn").GetString());
        }

        Assert.Single(copies.Select(c => c.Json.GetProperty("sharedEventID").GetString()).Distinct());
        Assert.Equal(2, copies.Select(c => c.Json.GetProperty("eventID").GetString()).Distinct().Count());

        // Time-ordered (version 7) ids: the unique event id index grows at its end (bench/AUDIT-RESULTS.md).
        Assert.All(copies, c => Assert.Equal(7, Guid.Parse(c.Json.GetProperty("eventID").GetString()!).Version));
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task AutomaticRotationAndDeletion_AreRecordedAsServiceEvents()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var isolated = await StartAsync(configure: s =>
        {
            s.AddSingleton<TimeProvider>(clock);

            // The sweeps run here, by hand: hosted, the fake clock would replay their timers once per missed minute.
            foreach (var sweep in s.Where(d => d.ServiceType == typeof(IHostedService)
                && d.ImplementationFactory?.GetType().GenericTypeArguments[^1] is { } t
                && (t == typeof(KeyDeletionService) || t == typeof(KeyRotationService))).ToList())
            {
                s.Remove(sweep);
            }
        });
        var kms = isolated.Server.Client();
        var rotating = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = rotating.KeyId, RotationPeriodInDays = 90 }, Ct);
        var doomed = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = doomed.KeyId, PendingWindowInDays = 7 }, Ct);

        clock.Advance(TimeSpan.FromDays(91));
        Assert.Contains(rotating.Arn, await isolated.Server.Services.GetRequiredService<KeyRotationService>().RunOnceAsync(Ct));
        Assert.Contains(doomed.Arn, await isolated.Server.Services.GetRequiredService<KeyDeletionService>().RunOnceAsync(Ct));

        var events = await RecordsAsync(isolated.Server, r => r.GetProperty("eventType").GetString() == "AwsServiceEvent");
        var rotated = Assert.Single(events, e => e.GetProperty("eventName").GetString() == "RotateKey");
        Assert.Equal("AWS Internal", rotated.GetProperty("userIdentity").GetProperty("invokedBy").GetString());
        Assert.Equal(rotating.AWSAccountId, rotated.GetProperty("userIdentity").GetProperty("accountId").GetString());
        Assert.Equal("AWS Internal", rotated.GetProperty("sourceIPAddress").GetString());
        Assert.Equal("AUTOMATIC", rotated.GetProperty("serviceEventDetails").GetProperty("rotationType").GetString());
        Assert.Equal(rotating.KeyId, rotated.GetProperty("serviceEventDetails").GetProperty("keyId").GetString());
        Assert.Equal(rotating.Arn, rotated.GetProperty("resources")[0].GetProperty("ARN").GetString());
        Assert.False(rotated.TryGetProperty("requestID", out _));
        Assert.Equal(JsonValueKind.Null, rotated.GetProperty("requestParameters").ValueKind);

        var deleted = Assert.Single(events, e => e.GetProperty("eventName").GetString() == "DeleteKey");
        Assert.Equal(doomed.Arn, deleted.GetProperty("resources")[0].GetProperty("ARN").GetString());
        Assert.Equal(doomed.AWSAccountId, deleted.GetProperty("recipientAccountId").GetString());
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task Reset_IsRecordedAndLeavesTheTrailIntact()
    {
        await using var isolated = await StartAsync(extraArgs: ["--Kms:EnableResetEndpoint", "true"]);
        var kms = isolated.Server.Client();
        var created = await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);

        using (var response = await ResetClient.ResetAsync(isolated.Server.Url, ct: Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        var reset = Assert.Single(await RecordsAsync(isolated.Server, r => r.GetProperty("eventName").GetString() == "ResetStore"));
        Assert.Equal("AwsServiceEvent", reset.GetProperty("eventType").GetString());
        Assert.Equal("arn:aws:iam::000000000000:root", reset.GetProperty("userIdentity").GetProperty("arn").GetString());

        // What was recorded before the reset is still there, and the chain still verifies.
        await RecordAsync(isolated.Server, created.ResponseMetadata.RequestId);
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task RefusedReset_IsRecordedWithItsErrorAndCaller()
    {
        await using var isolated = await StartAsync(extraArgs: ["--Kms:EnableResetEndpoint", "true"]);
        var created = await isolated.Server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct);

        // A known access key with the wrong secret: no caller; kept in the key's account, named by the key.
        using (var response = await ResetClient.ResetAsync(isolated.Server.Url, secretKey: "not-the-secret", ct: Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        }

        // A verified caller who may not reset: recorded with its identity in its account.
        using (var response = await ResetClient.ResetAsync(isolated.Server.Url, TestSeed.AliceAccessKey, TestSeed.AliceSecret, ct: Ct))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        }

        var refused = await RecordsAsync(isolated.Server, r => r.GetProperty("eventName").GetString() == "ResetStore");
        Assert.Equal(2, refused.Count);
        Assert.All(refused, r => Assert.Equal("AwsServiceEvent", r.GetProperty("eventType").GetString()));
        var badSignature = Assert.Single(refused, r => r.GetProperty("errorCode").GetString() == "InvalidSignatureException");
        Assert.Equal("Unknown", badSignature.GetProperty("userIdentity").GetProperty("type").GetString());
        Assert.Equal("test", badSignature.GetProperty("userIdentity").GetProperty("accessKeyId").GetString());
        Assert.Equal("000000000000", badSignature.GetProperty("recipientAccountId").GetString());
        var denied = Assert.Single(refused, r => r.GetProperty("errorCode").GetString() == "AccessDeniedException");
        Assert.Equal(TestSeed.AliceArn, denied.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Contains("not authorized to reset", denied.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);

        // Nothing was wiped.
        Assert.Equal(created.KeyMetadata.KeyId, (await isolated.Server.Client().DescribeKeyAsync(new DescribeKeyRequest { KeyId = created.KeyMetadata.KeyId }, Ct)).KeyMetadata.KeyId);
        await AssertChainValidAsync(isolated.Server);
    }

    [Fact]
    public async Task ThreeInstancesOnOneStore_KeepOneValidChain()
    {
        await using var first = await StartAsync();
        await using var second = await StartAnotherOnSameStoreAsync(first);
        await using var third = await StartAnotherOnSameStoreAsync(first);
        var servers = new[] { first.Server, second, third };
        var key = (await first.Server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        var calls = Enumerable.Range(0, 90).Select(async i =>
        {
            var kms = servers[i % 3].Client();
            if (i % 10 == 0)
            {
                return (await kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "t" + i, TagValue = "v" }] }, Ct)).ResponseMetadata.RequestId;
            }

            return (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([(byte)i]) }, Ct)).ResponseMetadata.RequestId;
        });
        var requestIds = await Task.WhenAll(calls);

        var all = await RecordsAsync(first.Server, _ => true);
        var recorded = all.Select(r => r.TryGetProperty("requestID", out var id) ? id.GetString() : null).ToHashSet();
        Assert.All(requestIds, id => Assert.Contains(id, recorded));
        await AssertChainValidAsync(first.Server);
    }

    // ---- helpers ----

    private async Task<IsolatedServer> StartAsync(Action<IServiceCollection>? configure = null, params string[] extraArgs)
    {
        Fixture.EnsureAvailable();
        if (Fixture is PostgresFixture)
        {
            var database = await PostgresDatabase.CreateAsync();
            return new IsolatedServer(await KmsServer.StartAsync(database.ConnectionString, TestSeed.Write(), configure: configure, extraArgs: extraArgs), database);
        }

        return new IsolatedServer(await KmsServer.StartAsync(null, TestSeed.Write(), configure: configure, extraArgs: extraArgs), null);
    }

    private static Task<KmsServer> StartAnotherOnSameStoreAsync(IsolatedServer first) =>
        KmsServer.StartAsync(first.ConnectionString, TestSeed.Write(), first.Server.DataDir);

    private static async Task<JsonElement> RecordAsync(KmsServer server, string requestId)
    {
        var found = await RecordsAsync(server, r => r.TryGetProperty("requestID", out var id) && id.GetString() == requestId);
        return Assert.Single(found);
    }

    private static async Task<List<JsonElement>> RecordsAsync(KmsServer server, Func<JsonElement, bool> match)
    {
        await using var db = server.Services.GetRequiredService<KmsDbFactory>().Create();
        var rows = await db.AuditRecords.AsNoTracking().OrderBy(r => r.Sequence).Select(r => r.RecordJson).ToListAsync(Ct);
        return [.. rows.Select(json => JsonDocument.Parse(json).RootElement).Where(match)];
    }

    private static async Task AssertChainValidAsync(KmsServer server)
    {
        await using var db = server.Services.GetRequiredService<KmsDbFactory>().Create();
        var result = await new AuditVerifier(server.Services.GetRequiredService<IHsa>()).VerifyAsync(db, Ct);
        Assert.True(result.Valid, result.Message);
    }

    // The audit table refuses inserts (a trigger), the rest of the store stays writable.
    private static async Task RefuseAuditInsertsAsync(KmsServer server, bool refuse)
    {
        await using var db = server.Services.GetRequiredService<KmsDbFactory>().Create();
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync(refuse
                ? """
                  CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit store refused'; END $$ LANGUAGE plpgsql;
                  CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION refuse_audit();
                  """
                : "DROP TRIGGER refuse_audit ON audit_records;", Ct);
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync(refuse
                ? "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'audit store refused'); END;"
                : "DROP TRIGGER refuse_audit;", Ct);
        }
    }

    private static void AssertNotContained(byte[] haystack, byte[] needle) =>
        Assert.True(haystack.AsSpan().IndexOf(needle) < 0, $"Found {needle.Length} secret bytes in the store.");

    /// <summary>The store's sink, except that appends inside a store transaction fail while <see cref="Fail"/> is set.</summary>
    private sealed class FailingInTransactionSink
    {
        public volatile bool Fail;
        public int InTransaction;

        public IAuditSink Wrap(IAuditSink inner) => new Sink(this, inner);

        private sealed class Sink(FailingInTransactionSink owner, IAuditSink inner) : IAuditSink
        {
            public ValueTask AppendAsync(AuditEvent e, CancellationToken ct) => inner.AppendAsync(e, ct);

            public bool Transactional => true;

            public Task AppendInTransactionAsync(KmsDbContext db, AuditEvent e, CancellationToken ct)
            {
                Interlocked.Increment(ref owner.InTransaction);
                return owner.Fail ? throw new InvalidOperationException("audit append refused (test)") : inner.AppendInTransactionAsync(db, e, ct);
            }
        }
    }
}

[Collection("sqlite")]
public sealed class AuditTrailEndToEndTests_Sqlite(SqliteFixture f) : AuditTrailEndToEndTests(f);

[Collection("postgres")]
public sealed class AuditTrailEndToEndTests_Postgres(PostgresFixture f) : AuditTrailEndToEndTests(f);
