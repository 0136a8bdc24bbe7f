using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>Deletes imported key material whose ValidTo has passed, as AWS does: the key becomes PendingImport (unless
/// pending deletion) until the same material is imported again, and a <c>DeleteExpiredKeyMaterial</c> event is recorded
/// with the deletion, in one transaction per material. Instances sharing a database may all run it; each material is
/// deleted once.</summary>
internal sealed partial class KeyMaterialExpiryService(
    ImportStore store, IHsa hsa, IAuditSink audit, TimeProvider time, StoreOutage outage, ILogger<KeyMaterialExpiryService> logger)
    : SweepService(time, outage)
{
    /// <summary>One sweep; returns the keys whose material this instance deleted.</summary>
    public override async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct)
    {
        var changed = new List<string>();
        var now = Time.GetUtcNow();
        foreach (var (arn, materialId) in await store.ListExpiredAsync(now, 100, ct))
        {
            var record = ServiceEvents.DeleteExpiredKeyMaterial(now, arn, materialId);
            var inTransaction = AuditInTransaction.For(audit, record);
            if (await store.ExpireIfDueAsync(arn, materialId, now, inTransaction, ct))
            {
                await AuditInTransaction.AppendIfNotCommittedAsync(audit, inTransaction, record, ct);
                hsa.Evict(arn);
                changed.Add(arn);
                LogExpired(logger, arn, materialId);
            }
        }

        return changed;
    }

    protected override void OnSweepFailed(Exception exception) => LogSweepFailed(logger, exception);

    [LoggerMessage(EventId = EventIds.KeyMaterialExpired, Level = LogLevel.Information, Message = "Deleted expired key material {KeyMaterialId} of key {KeyArn}")]
    private static partial void LogExpired(ILogger logger, string keyArn, string keyMaterialId);

    [LoggerMessage(EventId = EventIds.ExpirySweepFailed, Level = LogLevel.Warning, Message = "Key material expiry sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
