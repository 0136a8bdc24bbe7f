using Npgsql;
using Testcontainers.PostgreSql;

namespace KmsService.Tests.Infrastructure;

/// <summary>Where the PostgreSQL tests get a database: <c>KMS_TEST_POSTGRES</c> (a fresh database is created on that
/// server for each fixture), else a Testcontainers PostgreSQL when a Docker engine answers, else none, with a
/// reason the tests report when they skip (or fail, with <c>KMS_TEST_REQUIRE_POSTGRES=1</c>).</summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly PostgreSqlContainer? _container;
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private PostgresDatabase(string? connectionString, string? unavailableReason, PostgreSqlContainer? container, string? admin, string? databaseName)
    {
        ConnectionString = connectionString;
        UnavailableReason = unavailableReason;
        _container = container;
        _adminConnectionString = admin;
        _databaseName = databaseName;
    }

    public string? ConnectionString { get; }

    public string? UnavailableReason { get; }

    public static bool Required => Environment.GetEnvironmentVariable("KMS_TEST_REQUIRE_POSTGRES") == "1";

    /// <summary>A new database; where PostgreSQL is unavailable the test skips with the reason (or fails, where
    /// PostgreSQL is required).</summary>
    public static async Task<PostgresDatabase> CreateOrSkipAsync()
    {
        var database = await CreateAsync();
        if (database.UnavailableReason is { } reason)
        {
            if (Required)
            {
                Assert.Fail(reason);
            }

            Assert.Skip(reason);
        }

        return database;
    }

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var configured = Environment.GetEnvironmentVariable("KMS_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var name = $"kms_test_{Guid.NewGuid():N}";
            await using (var conn = new NpgsqlConnection(configured))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }

            var builder = new NpgsqlConnectionStringBuilder(configured) { Database = name };
            return new PostgresDatabase(builder.ConnectionString, null, null, configured, name);
        }

        try
        {
            var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await container.StartAsync();
            return new PostgresDatabase(container.GetConnectionString(), null, container, null, null);
        }
#pragma warning disable CA1031 // Any failure to reach Docker means "no PostgreSQL here"; the reason is reported.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var reason = $"PostgreSQL tests need KMS_TEST_POSTGRES (a connection string with CREATEDB) or a Docker engine for Testcontainers; neither is available ({e.GetType().Name}).";
            return new PostgresDatabase(null, reason, null, null, null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_adminConnectionString is not null && _databaseName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_adminConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", conn);

            // FORCE terminates the database's other sessions, but not one the test role may not signal: an autovacuum
            // worker that has just started on the database (42501). It finishes in moments; try again for a while.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await cmd.ExecuteNonQueryAsync();
                    return;
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse && attempt < 100)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100));
                }
            }
        }
    }
}
