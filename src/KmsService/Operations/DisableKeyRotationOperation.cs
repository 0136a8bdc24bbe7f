using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>DisableKeyRotation: automatic rotation stops; the key keeps its current material, and every earlier
/// backing key still decrypts. Enabling again starts a new schedule from that date.</summary>
internal sealed class DisableKeyRotationOperation(KeyResolver keys, Authorizer authz, RotationStore rotations)
    : IKmsOperation<DisableKeyRotationOperation, KeyIdRequest, EmptyResponse>
{
    public static string Name => "DisableKeyRotation";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(KeyIdRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId });

    public async Task<EmptyResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "DisableKeyRotation", ct);
        authz.Demand(call, "DisableKeyRotation", key);
        key.EnsureRotationChangeable();
        await rotations.UpdateScheduleAsync(key.Arn, (fresh, _) =>
        {
            fresh.EnsureRotationChangeable();
            return RotationSchedule.Off;
        }, call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
