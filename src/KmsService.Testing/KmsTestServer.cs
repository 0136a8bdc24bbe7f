using Amazon.KeyManagementService;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Seed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace KmsService.Testing;

/// <summary>
/// A real KmsService for a test suite, in this process, listening on a free loopback port (Kestrel on 127.0.0.1:0, so
/// any HTTP client, the AWS CLI and every AWS SDK can reach it), in the Development environment, with a temporary
/// folder of its own (deleted on dispose) and the reset endpoint on:
/// <code>await using var kms = await KmsTestServer.StartAsync(seed);</code>
/// </summary>
public sealed class KmsTestServer : IAsyncDisposable
{
    /// <summary>The built-in development account, present alongside any seeded account.</summary>
    public const string DevelopmentAccountId = IdentityStore.DevelopmentAccount;

    private static readonly HttpClient Http = new();

    private readonly WebApplication _app;
    private readonly string _folder;
    private readonly string? _sqliteConnectionString;
    private readonly IsolatedDatabase? _database;
    private int _disposed;

    private KmsTestServer(WebApplication app, Uri endpoint, string region, KmsTestCredentials credentials, string folder, string dataDirectory,
        string? sqliteConnectionString, string? postgresConnectionString, IsolatedDatabase? database)
    {
        _app = app;
        Endpoint = endpoint;
        Region = region;
        Credentials = credentials;
        _folder = folder;
        DataDirectory = dataDirectory;
        _sqliteConnectionString = sqliteConnectionString;
        PostgresConnectionString = postgresConnectionString;
        _database = database;
    }

    /// <summary>The development account root's credentials (<c>test</c> / <c>test</c>).</summary>
    public static KmsTestCredentials DevelopmentCredentials { get; } = new(IdentityStore.DevelopmentAccessKeyId, "test");

    /// <summary>Where the service listens, e.g. <c>http://127.0.0.1:41237/</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The region clients sign for.</summary>
    public string Region { get; }

    /// <summary>The credentials clients get by default: the first access key of a seeded account root, else the
    /// development root's (<see cref="DevelopmentCredentials"/>). <see cref="ResetAsync"/> signs with them.</summary>
    public KmsTestCredentials Credentials { get; }

    /// <summary>The service's data folder (embedded store, root key, seed), inside a temporary folder that disposing
    /// the server deletes.</summary>
    public string DataDirectory { get; }

    /// <summary>The PostgreSQL database the server uses, or null on the embedded store.</summary>
    public string? PostgresConnectionString { get; }

    /// <summary>Environment variables that point the AWS CLI and the AWS SDKs (any language) at this server with
    /// <see cref="Credentials"/>: <c>AWS_ENDPOINT_URL_KMS</c>, <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
    /// <c>AWS_REGION</c>, <c>AWS_DEFAULT_REGION</c>.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL_KMS"] = Endpoint.ToString().TrimEnd('/'),
        ["AWS_ACCESS_KEY_ID"] = Credentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Credentials.SecretAccessKey,
        ["AWS_REGION"] = Region,
        ["AWS_DEFAULT_REGION"] = Region,
    };

    /// <summary>Starts a server on the embedded store, seeded with <paramref name="seed"/> (or only the development
    /// account when null).</summary>
    /// <exception cref="KmsTestServerException">It cannot start; the message says why (a seed problem names its path
    /// in the document, e.g. <c>$.keys[0].keyId</c>).</exception>
    public static Task<KmsTestServer> StartAsync(KmsSeed? seed = null, CancellationToken cancellationToken = default) =>
        StartAsync(new KmsTestServerOptions { Seed = seed }, cancellationToken);

    /// <summary>Starts a server on the embedded store, seeded from a seed file (JSON, or YAML).</summary>
    /// <exception cref="KmsTestServerException">It cannot start; the message says why.</exception>
    public static Task<KmsTestServer> StartAsync(string seedFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(seedFile);
        return StartAsync(new KmsTestServerOptions { SeedFile = seedFile }, cancellationToken);
    }

    /// <summary>Starts a server as <paramref name="options"/> say.</summary>
    /// <exception cref="KmsTestServerException">It cannot start; the message says why.</exception>
    public static async Task<KmsTestServer> StartAsync(KmsTestServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Seed is not null && options.SeedFile is not null)
        {
            throw new ArgumentException("Give a seed object or a seed file, not both.", nameof(options));
        }

        var folder = Directory.CreateTempSubdirectory("kms-testing-").FullName;
        var dataDir = Path.Combine(folder, "data");
        IsolatedDatabase? database = null;
        WebApplication? app = null;
        try
        {
            var seedFile = options.SeedFile is null ? null : Path.GetFullPath(options.SeedFile);
            if (options.Seed is not null)
            {
                seedFile = Path.Combine(folder, "seed.json");
                await File.WriteAllTextAsync(seedFile, options.Seed.ToJson(), cancellationToken);
            }

            var (credentials, resetPrincipal) = DefaultCredentials(seedFile, options.Region);
            var args = new List<string>
            {
                "--environment", "Development",
                "--contentRoot", folder,
                "--urls", "http://127.0.0.1:0",
                "--Logging:LogLevel:Default", "Warning",

                // A reset is routine between tests, not the warning it is on a shared service.
                "--Logging:LogLevel:KmsService.Hosting.ResetEndpoint", "Error",
                "--Kms:DataDir", dataDir,
                "--Kms:RootKeyFile", Path.Combine(dataDir, "root.key"),
                "--Kms:DefaultRegion", options.Region,
                "--Kms:EnableResetEndpoint", "true",
                "--Kms:ResetPrincipals:0", IdentityStore.DevelopmentRoot.Arn,
                "--Kms:ResetPrincipals:1", resetPrincipal,
            };
            if (seedFile is not null)
            {
                args.AddRange(["--Kms:SeedFile", seedFile]);
            }

            if (options.RootKey is not null)
            {
                args.AddRange(["--Kms:RootKey", options.RootKey]);
            }

            string? postgres = null;
            string? sqlite = null;
            if (options.PostgresConnectionString is { } configured)
            {
                if (options.IsolatedPostgresDatabase)
                {
                    database = await IsolatedDatabase.CreateAsync(configured, cancellationToken);
                    postgres = database.ConnectionString;
                }
                else
                {
                    postgres = configured;
                }

                args.AddRange(["--Kms:Store", "postgres", "--ConnectionStrings:Kms", postgres]);
            }
            else
            {
                args.AddRange(["--Kms:Store", "sqlite"]);
                sqlite = $"Data Source={Path.GetFullPath(Path.Combine(dataDir, DataFolder.DatabaseFile))};Pooling=True";
            }

            foreach (var (name, value) in options.Settings)
            {
                args.AddRange([$"--{name}", value]);
            }

            app = await KmsApp.CreateAsync([.. args], configure: null, cancellationToken);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new KmsTestServerException("KmsService started but reports no address it listens on.");
            return new KmsTestServer(app, new Uri(address), options.Region, credentials, folder, dataDir, sqlite, postgres, database);
        }
        catch (Exception e) when (e is not OperationCanceledException and not ArgumentException)
        {
            await KmsApp.DisposeQuietlyAsync(app);
            DeleteQuietly(folder);
            if (database is not null)
            {
                await database.DropQuietlyAsync();
            }

            throw e as KmsTestServerException ?? new KmsTestServerException($"KmsService cannot start: {StartupFailure.Describe(e)}", e);
        }
    }

    /// <summary>The SDK client configuration for this server (endpoint, signing region, no retries so that a test
    /// sees the first error); change it before creating a client of your own.</summary>
    public AmazonKeyManagementServiceConfig CreateClientConfig() => new()
    {
        ServiceURL = Endpoint.ToString(),
        AuthenticationRegion = Region,
        MaxErrorRetry = 0,
    };

    /// <summary>An AWS SDK for .NET KMS client signing with <see cref="Credentials"/>.</summary>
    public AmazonKeyManagementServiceClient CreateClient() => CreateClient(Credentials);

    /// <summary>An AWS SDK for .NET KMS client signing with <paramref name="credentials"/> (e.g. a seeded role's).</summary>
    public AmazonKeyManagementServiceClient CreateClient(KmsTestCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new AmazonKeyManagementServiceClient(credentials.ToAwsCredentials(), CreateClientConfig());
    }

    /// <summary>Deletes every key, alias, tag and grant of every account and re-applies the seed (seeded keys come back
    /// with their pinned material); identities stay. Signed <c>POST /_kms/reset</c> as <see cref="Credentials"/>.</summary>
    /// <exception cref="KmsTestServerException">The service refused the reset; the message carries its answer.</exception>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var request = ResetRequest.Create(Endpoint, Region, Credentials);
        using var response = await Http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new KmsTestServerException($"The reset was refused ({(int)response.StatusCode}): {body}");
        }
    }

    /// <summary>Stops the service, deletes its temporary folder and drops the database it created.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            if (_sqliteConnectionString is not null)
            {
                // Pooled connections keep the database file open (which matters where open files cannot be deleted).
                using var pooled = new SqliteConnection(_sqliteConnectionString);
                SqliteConnection.ClearPool(pooled);
            }

            if (_database is not null)
            {
                await _database.DropAsync();
            }

            Delete(_folder);
        }
    }

    // The credentials clients get by default and the principal they belong to (who may reset).
    private static (KmsTestCredentials Credentials, string Principal) DefaultCredentials(string? seedFile, string region)
    {
        if (seedFile is null)
        {
            return (DevelopmentCredentials, IdentityStore.DevelopmentRoot.Arn);
        }

        var seed = SeedFileReader.Read(seedFile, region, new HashSet<string>(StringComparer.Ordinal) { IdentityStore.DevelopmentAccount });
        var chosen = seed.AccessKeys.FirstOrDefault(k => k.Principal.Arn.EndsWith(":root", StringComparison.Ordinal))
            ?? seed.AccessKeys.FirstOrDefault(k => k.AccessKeyId == IdentityStore.DevelopmentAccessKeyId);
        return chosen is null
            ? (DevelopmentCredentials, IdentityStore.DevelopmentRoot.Arn)
            : (new KmsTestCredentials(chosen.AccessKeyId, chosen.SecretAccessKey), chosen.Principal.Arn);
    }

    // Deleting can race a file still being closed (Windows): a few tries, then the failure is the caller's to see.
    private static void Delete(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(50 * attempt);
            }
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder is not worth hiding the start-up failure for.
        }
    }

    /// <summary>A database of its own on the given PostgreSQL server, dropped with the server.</summary>
    private sealed class IsolatedDatabase(string admin, string name, string connectionString)
    {
        public string ConnectionString { get; } = connectionString;

        public static async Task<IsolatedDatabase> CreateAsync(string configured, CancellationToken ct)
        {
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(configured);
            }
            catch (ArgumentException e)
            {
                throw new KmsTestServerException($"KmsService cannot start: the PostgreSQL connection string is not valid ({e.Message}).", e);
            }

            var name = $"kms_test_{Guid.NewGuid():N}";
            await using (var conn = new NpgsqlConnection(configured))
            {
                await conn.OpenAsync(ct);
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
                await cmd.ExecuteNonQueryAsync(ct);
            }

            builder.Database = name;
            return new IsolatedDatabase(configured, name, builder.ConnectionString);
        }

        public async Task DropAsync()
        {
            using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }

            await using var conn = new NpgsqlConnection(admin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }

        public async Task DropQuietlyAsync()
        {
            try
            {
                await DropAsync();
            }
#pragma warning disable CA1031 // The start-up failure is what the caller needs; a leftover database has a unique name.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}
