using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record KeyIdRequest(string? KeyId);

/// <summary>EnableKey: a Disabled key becomes Enabled again (no change if it already is).</summary>
internal sealed class EnableKeyOperation(KeyResolver keys, Authorizer authz, KeyStore store)
    : IKmsOperation<EnableKeyOperation, KeyIdRequest, EmptyResponse>
{
    public static string Name => "EnableKey";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(KeyIdRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "EnableKey", ct);
        authz.Demand(call, "EnableKey", key);
        await store.UpdateAsync(key.Arn, k => k.Enable(), call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
