using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record RotateKeyOnDemandResponse(string KeyId);

/// <summary>RotateKeyOnDemand: appends a new backing key and makes it current, whether or not automatic rotation is
/// on; the automatic schedule does not move. AWS completes the rotation in the background (GetKeyRotationStatus then
/// shows OnDemandRotationStartDate); ours is complete when this returns.</summary>
internal sealed class RotateKeyOnDemandOperation(
    KeyResolver keys, Authorizer authz, RotationStore rotations, KeyStore store, IHsa hsa, TimeProvider time)
    : IKmsOperation<RotateKeyOnDemandOperation, KeyIdRequest, RotateKeyOnDemandResponse>
{
    public static string Name => "RotateKeyOnDemand";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<RotateKeyOnDemandResponse> ResponseType => KmsJsonContext.Default.RotateKeyOnDemandResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(KeyIdRequest r, RotateKeyOnDemandResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId }, s is null ? null : new() { KeyId = s.KeyId });

    /// <summary>On-demand rotations allowed per key: 25 in the API reference and the service model's documentation;
    /// AWS was recorded enforcing 10 in 2025, the documented quota is kept here.</summary>
    public const int MaxOnDemandRotations = 25;

    private const int MaxAttempts = 5;

    public async Task<RotateKeyOnDemandResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "RotateKeyOnDemand", ct);
        authz.Demand(call, "RotateKeyOnDemand", key);
        for (var attempt = 1; ; attempt++)
        {
            key.EnsureRotationChangeable();
            var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            call.AuditTransaction?.Responding(Project(req, new RotateKeyOnDemandResponse(key.Arn), call));

            // An EXTERNAL key rotates to the material imported for it with ImportType NEW_KEY_MATERIAL; any other key to
            // new material, which every replica of a multi-Region key gets in the same transaction.
            OnDemandRotationOutcome outcome;
            if (key.Origin == OriginType.External)
            {
                outcome = await rotations.RotateImportedAsync(key.Arn, now, MaxOnDemandRotations, call.AuditTransaction, ct);
            }
            else
            {
                var primaryArn = key.Arn;
                var material = hsa.GenerateBackingKey(primaryArn);
                WrappedBackingKey ForReplica(string replica) => hsa.RewrapBackingKey(primaryArn, material, replica);
                outcome = await rotations.RotateOnDemandAsync(primaryArn, material, ForReplica, now, MaxOnDemandRotations, call.AuditTransaction, ct);
            }

            switch (outcome)
            {
                case OnDemandRotationOutcome.NothingPending:
                    // Recorded from AWS.
                    throw new KMSInvalidStateException($"No available key material pending rotation for the key: {key.Arn}.");
                case OnDemandRotationOutcome.Rotated:
                    return new RotateKeyOnDemandResponse(key.Arn);
                case OnDemandRotationOutcome.QuotaReached:
                    throw new LimitExceededException(
                        $"The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: {key.Arn}");
                case OnDemandRotationOutcome.KeyNotEnabled when attempt < MaxAttempts:
                    // The cached record was stale (the key changed since it was read): decide on the stored one.
                    store.Invalidate(key.Arn);
                    key = await store.FindAsync(key.Arn, ct) ?? throw new NotFoundException($"Key '{key.Arn}' does not exist");
                    break;
                default:
                    throw new KMSInternalException("The key changed too often to rotate it; try again.");
            }
        }
    }
}
