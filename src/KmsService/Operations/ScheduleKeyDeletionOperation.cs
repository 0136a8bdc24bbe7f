using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ScheduleKeyDeletionRequest(string? KeyId, int? PendingWindowInDays);

internal sealed record ScheduleKeyDeletionResponse(string KeyId, DateTimeOffset? DeletionDate, KeyState KeyState, int PendingWindowInDays);

/// <summary>ScheduleKeyDeletion: the key becomes PendingDeletion for 7..30 days (default 30); the deletion service
/// then destroys it for good.</summary>
internal sealed class ScheduleKeyDeletionOperation(KeyResolver keys, Authorizer authz, KeyStore store, TimeProvider time)
    : IKmsOperation<ScheduleKeyDeletionOperation, ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse>
{
    public static string Name => "ScheduleKeyDeletion";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<ScheduleKeyDeletionRequest> RequestType => KmsJsonContext.Default.ScheduleKeyDeletionRequest;
    public static JsonTypeInfo<ScheduleKeyDeletionResponse> ResponseType => KmsJsonContext.Default.ScheduleKeyDeletionResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(ScheduleKeyDeletionRequest r, ScheduleKeyDeletionResponse? s, CallContext call) =>
        new(
        new() { KeyId = r.KeyId, PendingWindowInDays = r.PendingWindowInDays },
        s is null ? null : new()
        {
            KeyId = s.KeyId,
            DeletionDate = AuditCopy.Date(s.DeletionDate),
            KeyState = WireNames<KeyState>.Name(s.KeyState),
        });

    public const int DefaultWindowDays = 30;

    public async Task<ScheduleKeyDeletionResponse> ExecuteAsync(ScheduleKeyDeletionRequest req, CallContext call, CancellationToken ct)
    {
        // The model allows 1..365; the service accepts 7..30.
        new Validator().KeyId(req.KeyId, "keyId").Range(req.PendingWindowInDays, 7, 30, "pendingWindowInDays").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "ScheduleKeyDeletion", ct);
        var days = req.PendingWindowInDays ?? DefaultWindowDays;
        authz.Demand(call, "ScheduleKeyDeletion", key, conditions: r =>
            r.Set("kms:ScheduleKeyDeletionPendingWindowInDays", days.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var deletionDate = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().AddDays(days).ToUnixTimeMilliseconds());
        // A multi-Region primary key with replicas waits for them: PendingReplicaDeletion, no DeletionDate yet (the
        // key deletion sweep starts its window once the last replica is deleted). Decided on the stored key, whose
        // version guards against a replica added meanwhile.
        var waitsForReplicas = key.RelatedKeys.Any(r => r.Type == MultiRegionKeyType.Replica) && key.MultiRegionKeyType == MultiRegionKeyType.Primary;
        call.AuditTransaction?.Responding(Project(
            req,
            new ScheduleKeyDeletionResponse(key.Arn, waitsForReplicas ? null : deletionDate, waitsForReplicas ? KeyState.PendingReplicaDeletion : KeyState.PendingDeletion, days),
            call));
        var scheduled = await store.UpdateAsync(
            key.Arn,
            k => k.MultiRegionKeyType == MultiRegionKeyType.Primary && k.RelatedKeys.Any(r => r.Type == MultiRegionKeyType.Replica)
                ? k.ScheduleDeletionAfterReplicas(days)
                : k.ScheduleDeletion(deletionDate),
            call.AuditTransaction,
            ct);
        return new ScheduleKeyDeletionResponse(scheduled.Arn, scheduled.DeletionDate, scheduled.KeyState, days);
    }
}
