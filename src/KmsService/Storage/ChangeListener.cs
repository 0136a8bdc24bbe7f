using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using Npgsql;

namespace KmsService.Storage;

/// <summary>Holds the <see cref="ChangeFeed"/>'s LISTEN connection and drops the cache entries each published change
/// names. When the connection is lost it clears every cache (notifications may have been missed meanwhile), logs a
/// warning and reconnects with backoff; it clears them again once LISTENing, for what committed before that.</summary>
internal sealed partial class ChangeListener(ChangeFeed feed, KeyStore keys, GrantStore grants, IHsa hsa, ILogger<ChangeListener> logger)
    : BackgroundService
{
    // A connection that dies silently (a network partition) is noticed by the heartbeat: within about
    // HeartbeatInterval + HeartbeatTimeout (+ Npgsql's cancellation timeout) rather than at the next TCP timeout.
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private const int HeartbeatTimeoutSeconds = 2;

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);

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
                // no connection string.
                var wasListening = feed.IsListening;
                feed.MarkNotListening();
                ClearCaches();
                if (wasListening)
                {
                    delay = FirstRetryDelay;
                    LogConnectionLost(logger, e);
                }
                else
                {
                    LogConnectFailed(logger, delay, e);
                }
            }

            await Task.Delay(WithJitter(delay), stoppingToken);
            delay = delay * 2 < MaxRetryDelay ? delay * 2 : MaxRetryDelay;
        }

        feed.MarkNotListening();
    }

    private async Task ListenAsync(string connectionString, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        connection.Notification += OnNotification;
        await connection.OpenAsync(ct);
        await using (var listen = new NpgsqlCommand("LISTEN " + ChangeFeed.Channel, connection))
        {
            await listen.ExecuteNonQueryAsync(ct);
        }

        // Changes committed before the LISTEN took effect reached no one here: start from empty caches. Cache
        // fills that began earlier are dropped by the clear, so none carries the long time to live.
        ClearCaches();
        feed.MarkListening(connection.ProcessID);
        LogListening(logger, ChangeFeed.Channel);

        while (true)
        {
            if (!await connection.WaitAsync(HeartbeatInterval, ct))
            {
                await using var heartbeat = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = HeartbeatTimeoutSeconds };
                await heartbeat.ExecuteNonQueryAsync(ct);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == ChangeFeed.Channel)
        {
            Apply(StoreChange.Parse(e.Payload));
        }
    }

    private void ClearCaches()
    {
        keys.ClearCaches();
        grants.ClearCaches();
    }

    // Up to half again as long, so instances that lost the database together do not reconnect in lockstep.
    private static TimeSpan WithJitter(TimeSpan delay) =>
        delay + TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32((int)delay.TotalMilliseconds / 2 + 1));

    [LoggerMessage(EventId = EventIds.ChangeFeedListening, Level = LogLevel.Information, Message = "Listening for cache invalidations on PostgreSQL channel {Channel}")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(EventId = EventIds.ChangeFeedLost, Level = LogLevel.Warning, Message = "Lost the change feed's PostgreSQL connection; caches cleared and kept for at most a second until it reconnects")]
    private static partial void LogConnectionLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = EventIds.ChangeFeedRetrying, Level = LogLevel.Warning, Message = "Could not start the change feed's PostgreSQL LISTEN; retrying in {Delay}")]
    private static partial void LogConnectFailed(ILogger logger, TimeSpan delay, Exception exception);
}
