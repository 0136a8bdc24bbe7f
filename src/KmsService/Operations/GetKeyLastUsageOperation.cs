using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Lifecycle;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Model shape <c>KeyLastUsageData</c>: every member absent when the key has not been used since tracking
/// began (the element itself is then empty).</summary>
internal sealed record KeyLastUsageData(string? Operation, DateTimeOffset? Timestamp, string? CloudTrailEventId, string? KmsRequestId)
{
    public static readonly KeyLastUsageData None = new(null, null, null, null);
}

internal sealed record GetKeyLastUsageResponse(string KeyId, KeyLastUsageData KeyLastUsage, DateTimeOffset TrackingStartDate, DateTimeOffset KeyCreationDate);

/// <summary>GetKeyLastUsage: the last successful cryptographic operation with a key (key id or key ARN, no alias, not
/// of another account), as <see cref="KeyUsageTracker"/> noted it: the stored use merged with this instance's not yet
/// flushed one. TrackingStartDate is "the date from which KMS began recording cryptographic activity for this key, or
/// the date the KMS key was created, whichever is later" (API reference); kms:GetKeyLastUsage (key policy).</summary>
internal sealed class GetKeyLastUsageOperation(KeyResolver keys, Authorizer authz, KeyUsageStore usages, KeyUsageTracker tracker)
    : IKmsOperation<GetKeyLastUsageOperation, KeyIdRequest, GetKeyLastUsageResponse>
{
    public static string Name => "GetKeyLastUsage";
    public static RequestQuota Quota => RequestQuota.PerSecond(1000);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<GetKeyLastUsageResponse> ResponseType => KmsJsonContext.Default.GetKeyLastUsageResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(KeyIdRequest r, GetKeyLastUsageResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId });

    public async Task<GetKeyLastUsageResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);
        authz.Demand(call, Name, key);

        var trackingStart = DateTimeOffset.FromUnixTimeMilliseconds(await usages.TrackingStartAsync(ct));
        var stored = await usages.FindAsync(key.Arn, ct);
        var unflushed = tracker.Unflushed(key.Arn);
        var last = stored is null && unflushed is null ? null : KeyUsage.Newer(stored, unflushed);

        return new GetKeyLastUsageResponse(
            key.KeyId,
            last is null
                ? KeyLastUsageData.None
                : new KeyLastUsageData(last.Operation, DateTimeOffset.FromUnixTimeMilliseconds(last.Timestamp), last.EventId.ToString("D"), last.RequestId),
            trackingStart > key.CreationDate ? trackingStart : key.CreationDate,
            key.CreationDate);
    }
}
