using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>DisableKey: an Enabled key becomes Disabled; cryptographic operations then answer DisabledException.</summary>
internal sealed class DisableKeyOperation(KeyResolver keys, Authorizer authz, KeyStore store)
    : IKmsOperation<DisableKeyOperation, KeyIdRequest, EmptyResponse>
{
    public static string Name => "DisableKey";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(KeyIdRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "DisableKey", ct);
        authz.Demand(call, "DisableKey", key);
        await store.UpdateAsync(key.Arn, k => k.Disable(), call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
