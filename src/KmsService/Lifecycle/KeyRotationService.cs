using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Lifecycle;

/// <summary>Performs automatic rotations when they fall due: for each Enabled key with rotation on whose
/// NextRotationDate has passed, one transaction appends a backing key, makes it current and sets the next date one
/// period on. Disabled keys and keys pending deletion are skipped but keep their date, so a key re-enabled after its
/// date rotates on the next sweep and one re-enabled before it keeps its schedule (AWS API reference,
/// GetKeyRotationStatus). Instances sharing a database may all run it; each due date gives one rotation.</summary>
internal sealed partial class KeyRotationService(
    RotationStore rotations, IHsa hsa, IAuditSink audit, TimeProvider time, StoreOutage outage, ILogger<KeyRotationService> logger)
    : SweepService(time, outage)
{
    private const int BatchSize = 100;

    /// <summary>One sweep; returns the keys this instance rotated.</summary>
    public override async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct)
    {
        var rotated = new List<string>();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(Time.GetUtcNow().ToUnixTimeMilliseconds());
        foreach (var (arn, period) in await rotations.ListDueForRotationAsync(now, BatchSize, ct))
        {
            var material = hsa.GenerateBackingKey(arn);
            // The rotation and its RotateKey record commit together.
            var record = ServiceEvents.RotateKey(now, arn);
            var inTransaction = AuditInTransaction.For(audit, record);
            var primaryArn = arn;
            if (await rotations.RotateIfDueAsync(
                arn, period, material, replica => hsa.RewrapBackingKey(primaryArn, material, replica), now, inTransaction, ct))
            {
                await AuditInTransaction.AppendIfNotCommittedAsync(audit, inTransaction, record, ct);
                rotated.Add(arn);
                LogRotated(logger, arn, material.MaterialId);
            }
        }

        return rotated;
    }

    protected override void OnSweepFailed(Exception exception) => LogSweepFailed(logger, exception);

    [LoggerMessage(EventId = EventIds.KeyRotated, Level = LogLevel.Information, Message = "Rotated key {KeyArn} automatically: new key material {KeyMaterialId}")]
    private static partial void LogRotated(ILogger logger, string keyArn, string keyMaterialId);

    [LoggerMessage(EventId = EventIds.RotationSweepFailed, Level = LogLevel.Warning, Message = "Key rotation sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
