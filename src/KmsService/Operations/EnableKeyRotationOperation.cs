using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record EnableKeyRotationRequest(string? KeyId, int? RotationPeriodInDays);

/// <summary>EnableKeyRotation: the key's material rotates automatically every RotationPeriodInDays (90..2560, default
/// 365), the first time that many days after this call.</summary>
internal sealed class EnableKeyRotationOperation(KeyResolver keys, Authorizer authz, RotationStore rotations, TimeProvider time)
    : IKmsOperation<EnableKeyRotationOperation, EnableKeyRotationRequest, EmptyResponse>
{
    public static string Name => "EnableKeyRotation";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<EnableKeyRotationRequest> RequestType => KmsJsonContext.Default.EnableKeyRotationRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(EnableKeyRotationRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, RotationPeriodInDays = r.RotationPeriodInDays }, s is null ? null : AuditCopy.AffectedKey(call));

    public const int DefaultPeriodInDays = 365;

    public async Task<EmptyResponse> ExecuteAsync(EnableKeyRotationRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").Range(req.RotationPeriodInDays, 90, 2560, "rotationPeriodInDays").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "EnableKeyRotation", ct);
        // "If no value is specified, the default value is 365 days" (API reference), also when rotation is on already.
        var period = req.RotationPeriodInDays ?? DefaultPeriodInDays;
        authz.Demand(call, "EnableKeyRotation", key, conditions: r =>
            r.Set("kms:RotationPeriodInDays", period.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        key.EnsureRotationChangeable();
        key.EnsureAutomaticRotationSupported();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        await rotations.UpdateScheduleAsync(key.Arn, (fresh, current) =>
        {
            fresh.EnsureRotationChangeable();
            fresh.EnsureAutomaticRotationSupported();

            // Enabling again with the same period keeps the schedule. A new period counts from now: AWS defines the
            // period as "the number of days after you enable automatic key rotation that KMS will rotate your key
            // material" and documents no other starting point for a changed period.
            return current.Enabled && current.PeriodInDays == period
                ? current
                : new RotationSchedule(true, period, now.AddDays(period));
        }, call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
