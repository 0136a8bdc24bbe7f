using KmsService.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KmsService.Storage;

/// <summary>Pushes cache invalidations between instances that share one PostgreSQL database: a write publishes what it
/// changed with <c>pg_notify</c> inside its own transaction (PostgreSQL delivers it only if that commits), and every
/// instance's <see cref="ChangeListener"/> applies what was published. On SQLite (one instance) there is no feed:
/// publishing does nothing and caches keep their short time to live.</summary>
/// <remarks>
/// While the listener is connected, key records and alias targets are cached for <c>Kms:Cache:KeyTtlSeconds</c>,
/// because a change reaches every instance as soon as it commits; while it is not (starting, reconnecting, or no
/// feed), for at most one second, so a change through another instance is still seen within it. Every change of the
/// listener's state clears the caches, so nothing cached under the long time to live outlives a missed notification.
/// Depends on LISTEN/NOTIFY, which some PostgreSQL-compatible distributed engines lack: there set
/// <c>Kms:Cache:ChangeFeed=false</c>, and instances cache for at most one second as without a feed.
/// </remarks>
internal sealed class ChangeFeed
{
    /// <summary>The NOTIFY channel.</summary>
    public const string Channel = "kms_changes";

    /// <summary>How long key records and alias targets are cached while changes are not pushed.</summary>
    public static readonly TimeSpan UnpushedTtl = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _pushedTtl;
    private readonly TimeSpan _unpushedTtl;
    private int _listening;
    private int _listenerProcessId;
    private long _connections;

    public ChangeFeed(string? listenConnectionString, CacheOptions cache)
    {
        ListenConnectionString = listenConnectionString;
        _pushedTtl = TimeSpan.FromSeconds(Math.Max(0, cache.KeyTtlSeconds));
        _unpushedTtl = _pushedTtl < UnpushedTtl ? _pushedTtl : UnpushedTtl;
    }

    /// <summary>The listener's connection string (its own unpooled connection), or null when there is no feed.</summary>
    public string? ListenConnectionString { get; }

    /// <summary>True while the listener is connected and LISTENing, so every committed change reaches this instance.</summary>
    public bool IsListening => Volatile.Read(ref _listening) == 1;

    /// <summary>How many times the listener has started LISTENing (for tests that wait for a reconnect).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>The PostgreSQL backend process of the listener's current connection (for tests that end it).</summary>
    public int ListenerProcessId => Volatile.Read(ref _listenerProcessId);

    /// <summary>How long a key record or alias target read now may stay cached.</summary>
    public TimeSpan RecordTtl => IsListening ? _pushedTtl : _unpushedTtl;

    /// <summary>The feed for the configured store: on PostgreSQL one listening on <c>ConnectionStrings:Kms</c>.</summary>
    public static ChangeFeed Create(KmsOptions options, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Kms");
        if (!options.Cache.ChangeFeed
            || !string.Equals(options.Store, "postgres", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(connectionString))
        {
            return new ChangeFeed(null, options.Cache);
        }

        // A connection of its own that holds the LISTEN: never shared, never returned to a pool.
        var listen = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false };
        if (string.IsNullOrEmpty(listen.ApplicationName))
        {
            listen.ApplicationName = "kms-change-feed";
        }

        return new ChangeFeed(listen.ConnectionString, options.Cache);
    }

    /// <summary>Publishes a change; call it inside the write's transaction, before commit.</summary>
    public Task PublishAsync(KmsDbContext db, StoreChange change, CancellationToken ct) => PublishAsync(db, [change], ct);

    /// <summary>Publishes changes with one statement; call it inside the write's transaction, before commit, so they are
    /// delivered exactly when the write commits. Does nothing without a feed (SQLite).</summary>
    public async Task PublishAsync(KmsDbContext db, IReadOnlyCollection<StoreChange> changes, CancellationToken ct)
    {
        if (ListenConnectionString is null || changes.Count == 0 || !db.Database.IsNpgsql())
        {
            return;
        }

        var payloads = changes.Select(c => c.ToPayload()).Distinct(StringComparer.Ordinal).ToArray();
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, p) FROM unnest({payloads}) AS p", ct);
    }

    internal void MarkListening(int processId)
    {
        Volatile.Write(ref _listenerProcessId, processId);
        Interlocked.Increment(ref _connections);
        Volatile.Write(ref _listening, 1);
    }

    internal void MarkNotListening() => Volatile.Write(ref _listening, 0);
}
