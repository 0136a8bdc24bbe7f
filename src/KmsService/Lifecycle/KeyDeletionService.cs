using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>Destroys keys whose deletion window has passed: backing keys, aliases and tags go with the key, in one
/// transaction per key, so a crash leaves either the whole key or nothing and the next run finishes the job.
/// Instances sharing a database may all run it; each key is deleted once.</summary>
internal sealed partial class KeyDeletionService(
    KeyStore store, MultiRegionStore multiRegion, IHsa hsa, IAuditSink audit, TimeProvider time, StoreOutage outage, ILogger<KeyDeletionService> logger)
    : SweepService(time, outage)
{
    /// <summary>One sweep; returns the keys this instance deleted.</summary>
    public override async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct)
    {
        var deleted = new List<string>();
        var now = Time.GetUtcNow();
        foreach (var arn in await store.ListDueForDeletionAsync(now, 100, ct))
        {
            // The deletion and its DeleteKey record commit together.
            var record = ServiceEvents.DeleteKey(now, arn);
            var inTransaction = AuditInTransaction.For(audit, record);
            if (await store.DeleteIfDueAsync(arn, now, inTransaction, ct))
            {
                await AuditInTransaction.AppendIfNotCommittedAsync(audit, inTransaction, record, ct);
                hsa.Evict(arn);
                deleted.Add(arn);
                LogDeleted(logger, arn);
            }
        }

        // A multi-Region primary scheduled for deletion waits for its replicas; once the last is gone its own waiting
        // period starts (API reference, ScheduleKeyDeletion). Done here, right after the deletions, and on every sweep,
        // so that a crash between the two is finished by the next one.
        foreach (var arn in await multiRegion.ListPrimariesWithoutReplicasAsync(100, ct))
        {
            await multiRegion.StartPrimaryDeletionWindowAsync(arn, now, ct);
        }

        return deleted;
    }

    protected override void OnSweepFailed(Exception exception) => LogSweepFailed(logger, exception);

    [LoggerMessage(EventId = EventIds.KeyDeleted, Level = LogLevel.Information, Message = "Deleted key {KeyArn}: its deletion window has passed")]
    private static partial void LogDeleted(ILogger logger, string keyArn);

    [LoggerMessage(EventId = EventIds.DeletionSweepFailed, Level = LogLevel.Warning, Message = "Key deletion sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
