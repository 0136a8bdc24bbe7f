using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Model output of GetKeyRotationStatus. <c>OnDemandRotationStartDate</c> is left out on purpose: AWS shows it
/// only while an on-demand rotation is still running in the background, and ours completes before RotateKeyOnDemand
/// returns, so there is never one in progress to report.</summary>
internal sealed record GetKeyRotationStatusResponse(
    string KeyId,
    bool KeyRotationEnabled,
    int? RotationPeriodInDays,
    DateTimeOffset? NextRotationDate);

/// <summary>GetKeyRotationStatus: whether automatic rotation is on and, if so, its period and next date.</summary>
internal sealed class GetKeyRotationStatusOperation(KeyResolver keys, Authorizer authz, RotationStore rotations)
    : IKmsOperation<GetKeyRotationStatusOperation, KeyIdRequest, GetKeyRotationStatusResponse>
{
    public static string Name => "GetKeyRotationStatus";
    public static RequestQuota Quota => RequestQuota.PerSecond(1000);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<GetKeyRotationStatusResponse> ResponseType => KmsJsonContext.Default.GetKeyRotationStatusResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(KeyIdRequest r, GetKeyRotationStatusResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId });

    public async Task<GetKeyRotationStatusResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "GetKeyRotationStatus", ct);
        authz.Demand(call, "GetKeyRotationStatus", key);
        key.EnsureRotationStatusReadable();

        // "While a KMS key is pending deletion, its key rotation status is false"; the stored setting is kept so that
        // it returns if the deletion is cancelled (API reference, GetKeyRotationStatus).
        var schedule = await rotations.GetScheduleAsync(key.Arn, ct);
        if (!schedule.Enabled || key.KeyState == KeyState.PendingDeletion)
        {
            return new GetKeyRotationStatusResponse(key.Arn, false, null, null);
        }

        return new GetKeyRotationStatusResponse(key.Arn, true, schedule.PeriodInDays, schedule.NextRotationDate);
    }
}
