using System.Net;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Testing;
using KmsService.Tests.Infrastructure;
using Npgsql;

namespace KmsService.Tests.Testing;

/// <summary>The fixture other projects start KmsService with (src/KmsService.Testing), on each store.</summary>
public sealed class KmsTestServerTests
{
    private const string Account = "111122223333";
    private const string RootAccessKey = "AKIAFIXTUREROOT0001";
    private const string RootSecret = "fixture-root-secret-000000000000000000";
    private const string PinnedKeyId = "7d0c1f52-5a43-4d4c-8a39-0c6f0f6a9e11";
    private const string PinnedMaterial = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    public static TheoryData<string> Stores => ["sqlite", "postgres"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task StartAsync_TwoServersAtOnce_ListenOnDifferentPortsWithStoresOfTheirOwn(string store)
    {
        var options = Options(store);
        var starting = new[] { KmsTestServer.StartAsync(options(), Ct), KmsTestServer.StartAsync(options(), Ct) };
        await using var first = await starting[0];
        await using var second = await starting[1];

        Assert.Equal("127.0.0.1", first.Endpoint.Host);
        Assert.NotEqual(first.Endpoint.Port, second.Endpoint.Port);
        Assert.NotEqual(first.DataDirectory, second.DataDirectory);
        Assert.NotEqual(first.PostgresConnectionString ?? "sqlite-1", second.PostgresConnectionString ?? "sqlite-2");

        using var a = first.CreateClient();
        using var b = second.CreateClient();
        var key = await a.CreateKeyAsync(new CreateKeyRequest(), Ct);
        Assert.Single((await a.ListKeysAsync(new ListKeysRequest(), Ct)).Keys);
        Assert.Empty((await b.ListKeysAsync(new ListKeysRequest(), Ct)).Keys ?? []);
        await Assert.ThrowsAsync<NotFoundException>(() => b.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyMetadata.KeyId }, Ct));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DisposeAsync_DeletesTheTemporaryFolderAndTheDatabaseItCreated(string store)
    {
        var server = await KmsTestServer.StartAsync(Options(store)(), Ct);
        var folder = Path.GetDirectoryName(server.DataDirectory)!;
        var database = server.PostgresConnectionString;
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "root.key")));
        if (store == "sqlite")
        {
            Assert.True(File.Exists(Path.Combine(server.DataDirectory, "kms.db")));
        }
        else
        {
            Assert.True(await DatabaseExistsAsync(database!));
        }

        await server.DisposeAsync();
        await server.DisposeAsync();

        Assert.False(Directory.Exists(folder));
        if (database is not null)
        {
            Assert.False(await DatabaseExistsAsync(database));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => server.ResetAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ResetAsync_DeletesCreatedKeys_KeepsSeededKeyAndItsMaterial(string store)
    {
        var options = Options(store)();
        options.Seed = Seed();
        await using var kms = await KmsTestServer.StartAsync(options, Ct);
        Assert.Equal(new KmsTestCredentials(RootAccessKey, RootSecret), kms.Credentials);
        using var client = kms.CreateClient();

        var created = await client.CreateKeyAsync(new CreateKeyRequest(), Ct);
        await client.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/created", TargetKeyId = created.KeyMetadata.KeyId }, Ct);
        using var plaintext = new MemoryStream("pinned"u8.ToArray());
        var encrypted = await client.EncryptAsync(new EncryptRequest { KeyId = "alias/pinned", Plaintext = plaintext }, Ct);
        Assert.Equal(2, (await client.ListKeysAsync(new ListKeysRequest(), Ct)).Keys.Count);

        await kms.ResetAsync(Ct);

        var keys = (await client.ListKeysAsync(new ListKeysRequest(), Ct)).Keys;
        Assert.Equal(PinnedKeyId, Assert.Single(keys).KeyId);
        await Assert.ThrowsAsync<NotFoundException>(() => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/created" }, Ct));
        var decrypted = await client.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob }, Ct);
        Assert.Equal("pinned"u8.ToArray(), decrypted.Plaintext.ToArray());
    }

    [Fact]
    public async Task StartAsync_WithoutSeed_UsesDevelopmentRootAndAnswersPlainHttp()
    {
        await using var kms = await KmsTestServer.StartAsync(cancellationToken: Ct);

        Assert.Equal(KmsTestServer.DevelopmentCredentials, kms.Credentials);
        Assert.Equal("us-east-1", kms.Region);
        Assert.Null(kms.PostgresConnectionString);
        using var http = new HttpClient();
        using var live = await http.GetAsync(new Uri(kms.Endpoint, "/_kms/health/live"), Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        Assert.Equal(kms.Endpoint.ToString().TrimEnd('/'), kms.EnvironmentVariables["AWS_ENDPOINT_URL_KMS"]);
        Assert.Equal("test", kms.EnvironmentVariables["AWS_ACCESS_KEY_ID"]);
        Assert.Equal("us-east-1", kms.EnvironmentVariables["AWS_REGION"]);
        Assert.DoesNotContain("SecretAccessKey", kms.Credentials.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithYamlSeedFile_SignsAsSeededRootInItsRegion()
    {
        var folder = Directory.CreateTempSubdirectory("kms-testing-seed-").FullName;
        try
        {
            var file = Path.Combine(folder, "seed.yaml");
            await File.WriteAllTextAsync(file, $"""
                accounts:
                  - id: "{Account}"
                    principals:
                      - arn: arn:aws:iam::{Account}:root
                        accessKeys:
                          - accessKeyId: {RootAccessKey}
                            secretAccessKey: {RootSecret}
                keys:
                  - account: "{Account}"
                    keyId: {PinnedKeyId}
                """, Ct);
            await using var kms = await KmsTestServer.StartAsync(new KmsTestServerOptions { SeedFile = file, Region = "eu-west-1" }, Ct);
            using var client = kms.CreateClient();

            var key = await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = PinnedKeyId }, Ct);

            Assert.Equal(RootAccessKey, kms.Credentials.AccessKeyId);
            Assert.Equal($"arn:aws:kms:eu-west-1:{Account}:key/{PinnedKeyId}", key.KeyMetadata.Arn);
            await kms.ResetAsync(Ct);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task CreateClient_WithSeededRoleCredentials_IsHeldToItsIdentityPolicy()
    {
        var role = new KmsTestCredentials("AKIAFIXTUREAPP00001", "fixture-app-secret-0000000000000000000");
        var seed = Seed();
        seed.Accounts[0].Principals.Add(new KmsSeedPrincipal
        {
            Arn = $"arn:aws:iam::{Account}:role/app",
            AccessKeys = [role],
            Policies = ["""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:DescribeKey","Resource":"*"}]}"""],
        });
        await using var kms = await KmsTestServer.StartAsync(seed, Ct);
        using var app = kms.CreateClient(role);

        var key = await app.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/pinned" }, Ct);
        using var plaintext = new MemoryStream("x"u8.ToArray());
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(
            () => app.EncryptAsync(new EncryptRequest { KeyId = "alias/pinned", Plaintext = plaintext }, Ct));

        Assert.Equal(PinnedKeyId, key.KeyMetadata.KeyId);
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
    }

    [Fact]
    public async Task StartAsync_WithBadSeed_ThrowsNamingThePathInTheSeed()
    {
        var seed = Seed();
        seed.Keys.Add(new KmsSeedKey { Account = Account, KeyId = "not-a-uuid" });

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => KmsTestServer.StartAsync(seed, Ct));

        Assert.StartsWith("KmsService cannot start: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("$.keys[1].keyId", e.Message, StringComparison.Ordinal);
        Assert.Contains("lowercase UUID", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RootSecret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithSeedPolicyNamingUndeclaredRole_ThrowsWithReason()
    {
        var seed = Seed();
        seed.Keys[0] = new KmsSeedKey
        {
            Account = Account,
            KeyId = PinnedKeyId,
            Policy = new
            {
                Version = "2012-10-17",
                Statement = new[] { new { Effect = "Allow", Principal = new { AWS = $"arn:aws:iam::{Account}:role/ghost" }, Action = "kms:*", Resource = "*" } },
            },
        };

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => KmsTestServer.StartAsync(seed, Ct));

        Assert.Contains("$.keys[0].policy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithMissingSeedFile_ThrowsNamingTheFile()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"kms-no-such-seed-{Guid.NewGuid():N}.json");

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => KmsTestServer.StartAsync(missing, Ct));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithSeedAndSeedFile_ThrowsArgumentException()
    {
        var options = new KmsTestServerOptions { Seed = Seed(), SeedFile = "seed.json" };

        await Assert.ThrowsAsync<ArgumentException>(() => KmsTestServer.StartAsync(options, Ct));
    }

    [Fact]
    public async Task StartAsync_WithMalformedRootKey_ThrowsWithoutTheValue()
    {
        var options = new KmsTestServerOptions { RootKey = "bm90LWEta2V5" };

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => KmsTestServer.StartAsync(options, Ct));

        Assert.Contains("Kms:RootKey must be the base64 encoding of exactly 32 bytes", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("bm90LWEta2V5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WithUnreachablePostgres_ThrowsSayingSoWithoutPassword()
    {
        var options = new KmsTestServerOptions { PostgresConnectionString = "Host=127.0.0.1;Port=1;Username=kms;Password=hunter2;Timeout=3" };

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => KmsTestServer.StartAsync(options, Ct));

        Assert.Contains("connection refused", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetAsync_WhenCredentialsMayNotReset_ThrowsWithServiceAnswer()
    {
        var options = new KmsTestServerOptions { Seed = Seed() };
        options.Settings["Kms:ResetPrincipals:0"] = $"arn:aws:iam::{Account}:role/nobody";
        options.Settings["Kms:ResetPrincipals:1"] = $"arn:aws:iam::{Account}:role/nobody";
        await using var kms = await KmsTestServer.StartAsync(options, Ct);

        var e = await Assert.ThrowsAsync<KmsTestServerException>(() => kms.ResetAsync(Ct));

        Assert.Contains("(400)", e.Message, StringComparison.Ordinal);
        Assert.Contains("AccessDeniedException", e.Message, StringComparison.Ordinal);
    }

    private static KmsSeed Seed() => new()
    {
        Accounts =
        [
            new KmsSeedAccount
            {
                Id = Account,
                Principals = [new KmsSeedPrincipal { Arn = $"arn:aws:iam::{Account}:root", AccessKeys = [new(RootAccessKey, RootSecret)] }],
            },
        ],
        Keys = [new KmsSeedKey { Account = Account, KeyId = PinnedKeyId, Aliases = ["alias/pinned"], Material = [PinnedMaterial] }],
    };

    // Options for the store; on PostgreSQL each server gets a database of its own on KMS_TEST_POSTGRES's server.
    private static Func<KmsTestServerOptions> Options(string store)
    {
        if (store == "sqlite")
        {
            return () => new KmsTestServerOptions();
        }

        var configured = Environment.GetEnvironmentVariable("KMS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(configured))
        {
            const string reason = "KmsTestServer on PostgreSQL needs KMS_TEST_POSTGRES (a connection string of a role with CREATEDB).";
            if (PostgresDatabase.Required)
            {
                Assert.Fail(reason);
            }

            Assert.Skip(reason);
        }

        return () => new KmsTestServerOptions { PostgresConnectionString = configured };
    }

    private static async Task<bool> DatabaseExistsAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        var admin = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("KMS_TEST_POSTGRES")).ConnectionString;
        await using var conn = new NpgsqlConnection(admin);
        await conn.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", conn);
        cmd.Parameters.AddWithValue("name", name!);
        return (long)(await cmd.ExecuteScalarAsync(Ct))! == 1;
    }
}
