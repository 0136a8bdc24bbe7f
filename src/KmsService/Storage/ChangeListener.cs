using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Identity;
using Npgsql;

namespace KmsService.Storage;

/// <summary>Holds the <see cref="ChangeFeed"/>'s LISTEN connection and drops the cache entries each published change
/// names. Every <see cref="HeartbeatInterval"/> it notifies itself on a channel of its own and, when that comes back,
/// confirms the feed fresh (<see cref="ChangeFeed.Confirm"/>). When the connection is lost or a heartbeat is not back
/// within <see cref="HeartbeatTimeout"/>, it clears every cache (notifications may have been missed meanwhile), logs a
/// warning, drops the connection and reconnects with backoff; it clears them again once LISTENing, for what committed
/// before that.</summary>
internal sealed partial class ChangeListener(
    ChangeFeed feed, KeyStore keys, GrantStore grants, IHsa hsa, StoreOutage outage, StoredIdentityLoader identities, ILogger<ChangeListener> logger)
    : BackgroundService
{
    // A heartbeat every quarter second keeps the feed's confirmation well inside its one-second trust window; one not
    // back within a second means the connection is stalled or gone (caches already stopped trusting it): replace it.
    // These are waits on the network, so they run on real time; the stamps come from the caches' clock.
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan HeartbeatTimeout = ChangeFeed.TrustWindow;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(ChangeFeed.ConnectTimeoutSeconds);

    // Short enough that the feed is back within a few seconds of the database (caches are trusted for only a second
    // meanwhile); one connection attempt every two seconds costs the database nothing.
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Drops what <paramref name="change"/> names from this instance's caches.</summary>
    public void Apply(StoreChange change)
    {
        switch (change.Kind)
        {
            case StoreChangeKind.Key:
                keys.Invalidate(change.Arn);
                break;
            case StoreChangeKind.KeyDeleted:
                keys.InvalidateDeleted(change.Arn);
                grants.InvalidateGrants(change.Arn);
                hsa.Evict(change.Arn);
                break;
            case StoreChangeKind.Alias:
                keys.InvalidateAlias(change.Account, change.Region, change.AliasName);
                break;
            case StoreChangeKind.Grants:
                grants.InvalidateGrants(change.Arn);
                break;
            case StoreChangeKind.Identities:
                identities.RequestReload();
                break;
            default:
                ClearCaches();
                break;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (feed.ListenConnectionString is not { } connectionString)
        {
            return;
        }

        var delay = FirstRetryDelay;
        var failedAttempts = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(connectionString, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever failed (database down, connection ended, heartbeat timed out), notifications may have been
                // missed: forget everything, cache briefly until LISTENing again, and retry. Npgsql's messages carry
                // no connection string. The heartbeats' pooled connections may be dead too: drop them.
                var wasListening = feed.IsListening;
                feed.MarkNotListening();
                ClearCaches();
                ClearHeartbeatPool();

                // The feed says it lost its connection, once, without a stack trace unless the cause is a bug (the
                // database's ending it, a lost network, a late heartbeat are not). Failing to connect again is a
                // database outage, the store's to log once (StoreOutage: a warning when it begins, a line when it ends);
                // the feed's further attempts go to Debug.
                var reason = $"{e.GetType().Name}: {e.Message}";
                var storeFault = e is not HeartbeatLateException && StoreFaults.Classify(e) != StoreFault.None;
                if (wasListening)
                {
                    delay = FirstRetryDelay;
                    failedAttempts = 0;
                    LogConnectionLost(logger, reason, storeFault || e is HeartbeatLateException ? null : e);
                }
                else if (storeFault && outage.Notice(e))
                {
                    // Cannot connect: the database does not answer new connections either. Noticing it begins the
                    // outage (logged there) if nothing else has yet.
                    LogStillRetrying(logger, ++failedAttempts, reason);
                }
                else
                {
                    LogConnectFailed(logger, reason, e);
                }
            }

            await Task.Delay(WithJitter(delay), stoppingToken);
            delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
        }

        feed.MarkNotListening();
    }

    private async Task ListenAsync(string connectionString, CancellationToken ct)
    {
        // A channel of this connection's own, so heartbeats reach no other instance.
        var heartbeats = new Heartbeats("kms_heartbeat_" + RandomNumberGenerator.GetHexString(16, lowercase: true));
        await using var connection = new NpgsqlConnection(connectionString);
        connection.Notification += (_, e) => OnNotification(e, heartbeats);
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            connecting.CancelAfter(ConnectTimeout);
            await connection.OpenAsync(connecting.Token);
            await using var listen = new NpgsqlCommand($"LISTEN {ChangeFeed.Channel}; LISTEN {heartbeats.Channel}", connection);
            await listen.ExecuteNonQueryAsync(connecting.Token);
        }

        // Changes committed before the LISTEN took effect reached no one here: start from empty caches. Cache fills
        // that began earlier are dropped by the clear, so none is trusted by the first heartbeat.
        ClearCaches();

        // The listen connection only ever waits: a wait is given up at once when late (no cancellation request that a
        // stalled network would hold up too). Heartbeats are sent on another connection, which PostgreSQL orders with
        // every other notifying transaction by commit.
        var nextDue = Stopwatch.GetTimestamp();
        Heartbeat? pending = null;
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            if (pending is null && now >= nextDue)
            {
                var sequence = ++heartbeats.Sent;
                pending = new Heartbeat(sequence, feed.Timestamp(), now, SendHeartbeatAsync(heartbeats.Channel, sequence, ct));
                nextDue = now + Ticks(HeartbeatInterval);
            }

            var until = pending is null ? nextDue : Math.Min(nextDue, pending.SentAt + Ticks(HeartbeatTimeout));
            var wait = Stopwatch.GetElapsedTime(now, until);
            await connection.WaitAsync(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), ct);
            if (pending is null)
            {
                continue;
            }

            if (heartbeats.Received >= pending.Sequence)
            {
                // Every change committed before the heartbeat was sent has been applied above.
                feed.Confirm(pending.Stamp);
                pending = null;
                if (!feed.IsListening)
                {
                    feed.MarkListening(connection.ProcessID);
                    LogListening(logger, ChangeFeed.Channel);
                }
            }
            else if (pending.Sending.IsFaulted)
            {
                await pending.Sending;
            }
            else if (Stopwatch.GetElapsedTime(pending.SentAt) >= HeartbeatTimeout)
            {
                throw new HeartbeatLateException($"The change feed's heartbeat did not come back within {HeartbeatTimeout.TotalMilliseconds} ms.");
            }
        }
    }

    /// <summary>Notifies <paramref name="channel"/> from a pooled connection of the feed's own (not the listen
    /// connection, whose waits must stay cancellable at once; not the requests' pool, which may be busy).</summary>
    private async Task SendHeartbeatAsync(string channel, long sequence, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(feed.HeartbeatConnectionString);
        await connection.OpenAsync(ct);
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @sequence)", connection);
        notify.Parameters.AddWithValue("channel", channel);
        notify.Parameters.AddWithValue("sequence", sequence.ToString(CultureInfo.InvariantCulture));
        await notify.ExecuteNonQueryAsync(ct);
    }

    private void OnNotification(NpgsqlNotificationEventArgs e, Heartbeats heartbeats)
    {
        if (e.Channel == ChangeFeed.Channel)
        {
            Apply(StoreChange.Parse(e.Payload));
        }
        else if (e.Channel == heartbeats.Channel && long.TryParse(e.Payload, CultureInfo.InvariantCulture, out var sequence))
        {
            heartbeats.Received = Math.Max(heartbeats.Received, sequence);
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private void ClearHeartbeatPool()
    {
        if (feed.HeartbeatConnectionString is null)
        {
            return;
        }

        using var pooled = new NpgsqlConnection(feed.HeartbeatConnectionString);
        NpgsqlConnection.ClearPool(pooled);
    }

    // Identities are not cached with a time to live but swapped on change: what may have been missed is read again.
    private void ClearCaches()
    {
        keys.ClearCaches();
        grants.ClearCaches();
        identities.RequestReload();
    }

    /// <summary>The heartbeat did not come back in time on a connection that did not fail: it is stalled.</summary>
    private sealed class HeartbeatLateException(string message) : TimeoutException(message);

    /// <summary>A heartbeat on its way: its sequence number, its stamp on the caches' clock, when it was sent (on the
    /// real clock, for its timeout) and the sending.</summary>
    private sealed record Heartbeat(long Sequence, long Stamp, long SentAt, Task Sending);

    /// <summary>One connection's heartbeat channel and counters (used only by the listener's own loop, which is also
    /// where Npgsql raises notifications).</summary>
    private sealed class Heartbeats(string channel)
    {
        public string Channel { get; } = channel;

        public long Sent { get; set; }

        public long Received { get; set; }
    }

    // Up to half again as long, so instances that lost the database together do not reconnect in lockstep.
    private static TimeSpan WithJitter(TimeSpan delay) =>
        delay + TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32((int)delay.TotalMilliseconds / 2 + 1));

    [LoggerMessage(EventId = EventIds.ChangeFeedListening, Level = LogLevel.Information, Message = "Listening for cache invalidations on PostgreSQL channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(EventId = EventIds.ChangeFeedLost, Level = LogLevel.Warning, Message = "Lost the change feed's PostgreSQL connection ({Reason}); caches cleared and trusted for at most a second until it reconnects")]
    private static partial void LogConnectionLost(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(EventId = EventIds.ChangeFeedRetrying, Level = LogLevel.Warning, Message = "Could not start the change feed's PostgreSQL LISTEN ({Reason}); retrying every few seconds until it listens")]
    private static partial void LogConnectFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = EventIds.ChangeFeedRetrying, Level = LogLevel.Debug, Message = "The change feed's PostgreSQL LISTEN failed again (attempt {Attempt}: {Reason})")]
    private static partial void LogStillRetrying(ILogger logger, int attempt, string reason);
}
