using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Infrastructure;

/// <summary>One running service per store, shared by the test classes of that store's collection.</summary>
public abstract class StoreFixture : IAsyncLifetime
{
    private KmsServer? _server;

    /// <summary>Why this store's tests cannot run here, or null.</summary>
    public string? UnavailableReason { get; protected set; }

    public KmsServer Server => _server ?? throw new InvalidOperationException(UnavailableReason ?? "The server is not started.");

    public abstract string StoreName { get; }

    /// <summary>Skips (or, where PostgreSQL is required, fails) a test whose store is unavailable.</summary>
    public void EnsureAvailable()
    {
        if (UnavailableReason is null)
        {
            return;
        }

        if (PostgresDatabase.Required)
        {
            Assert.Fail(UnavailableReason);
        }

        Assert.Skip(UnavailableReason);
    }

    public async ValueTask InitializeAsync()
    {
        var connectionString = await PrepareStoreAsync();
        if (UnavailableReason is null)
        {
            _server = await KmsServer.StartAsync(connectionString, TestSeed.Write());
        }
    }

    /// <summary>Creates the store and returns its connection string (null for SQLite).</summary>
    protected abstract Task<string?> PrepareStoreAsync();

    /// <summary>Starts another server on the same store (a second instance, or a restart).</summary>
    public Task<KmsServer> StartAnotherAsync(string? dataDir = null, Action<IServiceCollection>? configure = null)
    {
        EnsureAvailable();
        return StartAnotherCoreAsync(dataDir, configure);
    }

    protected abstract Task<KmsServer> StartAnotherCoreAsync(string? dataDir, Action<IServiceCollection>? configure);

    /// <summary>Starts a server on a store of its own (a new SQLite folder or a new PostgreSQL database), for tests
    /// that wipe the store or count what is in it. Disposing the result stops the server and drops the store.</summary>
    public async Task<IsolatedServer> StartIsolatedAsync(params string[] extraArgs)
    {
        EnsureAvailable();
        if (this is PostgresFixture)
        {
            var database = await PostgresDatabase.CreateAsync();
            return new IsolatedServer(await KmsServer.StartAsync(database.ConnectionString, TestSeed.Write(), extraArgs: extraArgs), database);
        }

        return new IsolatedServer(await KmsServer.StartAsync(null, TestSeed.Write(), extraArgs: extraArgs), null);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteFixture : StoreFixture
{
    public override string StoreName => "sqlite";

    protected override Task<string?> PrepareStoreAsync() => Task.FromResult<string?>(null);

    protected override Task<KmsServer> StartAnotherCoreAsync(string? dataDir, Action<IServiceCollection>? configure) =>
        KmsServer.StartAsync(null, TestSeed.Write(), dataDir ?? Server.DataDir, configure);
}

public sealed class PostgresFixture : StoreFixture
{
    private PostgresDatabase? _database;

    public override string StoreName => "postgres";

    /// <summary>The fixture's database; a test that asks for it where PostgreSQL is unavailable skips with the reason
    /// (or fails, where PostgreSQL is required) instead of throwing.</summary>
    public string ConnectionString
    {
        get
        {
            EnsureAvailable();
            return _database?.ConnectionString ?? throw new InvalidOperationException(UnavailableReason);
        }
    }

    protected override async Task<string?> PrepareStoreAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        UnavailableReason = _database.UnavailableReason;
        return _database.ConnectionString;
    }

    protected override Task<KmsServer> StartAnotherCoreAsync(string? dataDir, Action<IServiceCollection>? configure) =>
        KmsServer.StartAsync(ConnectionString, TestSeed.Write(), dataDir ?? Server.DataDir, configure);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

[CollectionDefinition("sqlite")]
public sealed class SqliteServerGroup : ICollectionFixture<SqliteFixture>;

[CollectionDefinition("postgres")]
public sealed class PostgresServerGroup : ICollectionFixture<PostgresFixture>;

/// <summary>A server with a store of its own; disposing it stops the server and drops the store.</summary>
public sealed class IsolatedServer(KmsServer server, PostgresDatabase? database) : IAsyncDisposable
{
    public KmsServer Server { get; } = server;

    /// <summary>The PostgreSQL database's connection string (null on SQLite), to start more instances on it.</summary>
    public string? ConnectionString => database?.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
