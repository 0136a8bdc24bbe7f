using KmsService.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KmsService.Storage;

/// <summary>Pushes cache invalidations between instances that share one PostgreSQL database: a write publishes what it
/// changed with <c>pg_notify</c> inside its own transaction (PostgreSQL delivers it only if that commits), and every
/// instance's <see cref="ChangeListener"/> applies what was published. On SQLite (one instance) there is no feed:
/// publishing does nothing and caches keep their short time to live.</summary>
/// <remarks>
/// <para>The bound: a change committed through any instance is seen by every other instance within
/// <see cref="TrustWindow"/> (one second) of its commit, whatever the listener's connection does (drops, stalls
/// without closing, or is slow). A cached entry is served unconditionally for one second from the start of the read
/// that filled it; beyond that, up to <c>Kms:Cache:KeyTtlSeconds</c>, only while the feed is fresh: the listener's
/// last heartbeat, a notification it sent to itself on its own connection and got back, was sent less than a second
/// ago. PostgreSQL delivers notifications to a listener in commit order, so that heartbeat coming back means every
/// change committed before it was sent has already been applied here. Checking freshness is one volatile read
/// (<see cref="IsFreshAt"/>); a late heartbeat simply stops the trust, and the listener then drops the connection
/// and reconnects (<see cref="ChangeListener"/>).</para>
/// <para>Every (re)connection clears the caches before its first heartbeat, so nothing cached while changes could be
/// missed is trusted again. Depends on LISTEN/NOTIFY, which some PostgreSQL-compatible distributed engines lack: there
/// set <c>Kms:Cache:ChangeFeed=false</c>, and instances cache for at most one second as without a feed.</para>
/// </remarks>
internal sealed class ChangeFeed
{
    /// <summary>The NOTIFY channel.</summary>
    public const string Channel = "kms_changes";

    /// <summary>How long key records and alias targets are cached while changes are not pushed.</summary>
    public static readonly TimeSpan UnpushedTtl = TimeSpan.FromSeconds(1);

    /// <summary>How long the listener may take to open its connection.</summary>
    public const int ConnectTimeoutSeconds = 5;

    /// <summary>The staleness bound: how long after a change commits another instance may still serve what it cached
    /// before. An entry is trusted beyond it only while a heartbeat sent within it has come back.</summary>
    public static readonly TimeSpan TrustWindow = UnpushedTtl;

    private readonly TimeSpan _pushedTtl;
    private readonly TimeSpan _unpushedTtl;
    private readonly TimeProvider _time;
    private readonly long _trustTicks;
    private int _listening;
    private int _listenerProcessId;
    private long _connections;

    // The send time of the last heartbeat that came back: every change committed before it has been applied here.
    private long _confirmedAt = long.MinValue;

    public ChangeFeed(string? listenConnectionString, CacheOptions cache, TimeProvider time, string? heartbeatConnectionString = null)
    {
        ListenConnectionString = listenConnectionString;
        HeartbeatConnectionString = heartbeatConnectionString ?? listenConnectionString;
        _pushedTtl = TimeSpan.FromSeconds(Math.Max(0, cache.KeyTtlSeconds));
        _unpushedTtl = _pushedTtl < UnpushedTtl ? _pushedTtl : UnpushedTtl;
        _time = time;
        _trustTicks = (long)(TrustWindow.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>The listener's connection string (its own unpooled connection), or null when there is no feed.</summary>
    public string? ListenConnectionString { get; }

    /// <summary>The connection string heartbeats are sent through (a small pool of its own), or null without a feed.</summary>
    public string? HeartbeatConnectionString { get; }

    /// <summary>True while the listener is connected and LISTENing, so every committed change reaches this instance.</summary>
    public bool IsListening => Volatile.Read(ref _listening) == 1;

    /// <summary>How many times the listener has started LISTENing (for tests that wait for a reconnect).</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>The PostgreSQL backend process of the listener's current connection (for tests that end it).</summary>
    public int ListenerProcessId => Volatile.Read(ref _listenerProcessId);

    /// <summary>How long a key record or alias target read now may stay cached (trusted beyond <see cref="TrustWindow"/>
    /// only while the feed <see cref="IsFresh"/>).</summary>
    public TimeSpan RecordTtl => IsListening ? _pushedTtl : _unpushedTtl;

    /// <summary>Whether, at <paramref name="now"/> (a timestamp of the caches' clock), every change committed before
    /// <c>now - TrustWindow</c> is known to have been applied here. One volatile read: safe on the hot path.</summary>
    public bool IsFreshAt(long now) => Volatile.Read(ref _confirmedAt) > now - _trustTicks;

    /// <summary>Whether the feed is fresh now (see <see cref="IsFreshAt"/>).</summary>
    public bool IsFresh => IsFreshAt(_time.GetTimestamp());

    /// <summary>The feed for the configured store: on PostgreSQL one listening on <c>ConnectionStrings:Kms</c>.</summary>
    public static ChangeFeed Create(KmsOptions options, IConfiguration configuration, TimeProvider time)
    {
        var connectionString = configuration.GetConnectionString("Kms");
        if (!options.Cache.ChangeFeed
            || !string.Equals(options.Store, "postgres", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(connectionString))
        {
            return new ChangeFeed(null, options.Cache, time);
        }

        return Listening(connectionString, options.Cache, time);
    }

    /// <summary>A feed on the store's <paramref name="connectionString"/>; its LISTEN connection goes through
    /// <paramref name="listenVia"/> instead when given (a test's proxy).</summary>
    public static ChangeFeed Listening(string connectionString, CacheOptions cache, TimeProvider time, string? listenVia = null)
    {
        // A connection of its own that holds the LISTEN: never shared, never returned to a pool.
        // Opening it gives up within ConnectTimeoutSeconds (Npgsql's start-up reads heed this timeout, not cancellation).
        var listen = new NpgsqlConnectionStringBuilder(listenVia ?? connectionString) { Pooling = false, Multiplexing = false };
        listen.Timeout = Math.Clamp(listen.Timeout, 1, ConnectTimeoutSeconds);
        if (string.IsNullOrEmpty(listen.ApplicationName))
        {
            listen.ApplicationName = "kms-change-feed";
        }

        // Heartbeats: a pool of their own (its size makes the connection string, hence the pool, differ from the
        // requests'), so that busy requests do not delay them.
        var heartbeat = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true, Multiplexing = false, MinPoolSize = 0, MaxPoolSize = 2 };
        return new ChangeFeed(listen.ConnectionString, cache, time, heartbeat.ConnectionString);
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

    /// <summary>A heartbeat sent at <paramref name="sentAt"/> (a timestamp of the caches' clock) came back.</summary>
    internal void Confirm(long sentAt)
    {
        if (sentAt > Volatile.Read(ref _confirmedAt))
        {
            Volatile.Write(ref _confirmedAt, sentAt);
        }
    }

    /// <summary>The caches' clock, for the listener's heartbeat stamps.</summary>
    internal long Timestamp() => _time.GetTimestamp();
}
