using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record CancelKeyDeletionResponse(string KeyId);

/// <summary>CancelKeyDeletion: a key pending deletion is kept, in state Disabled.</summary>
internal sealed class CancelKeyDeletionOperation(KeyResolver keys, Authorizer authz, KeyStore store)
    : IKmsOperation<CancelKeyDeletionOperation, KeyIdRequest, CancelKeyDeletionResponse>
{
    public static string Name => "CancelKeyDeletion";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<KeyIdRequest> RequestType => KmsJsonContext.Default.KeyIdRequest;
    public static JsonTypeInfo<CancelKeyDeletionResponse> ResponseType => KmsJsonContext.Default.CancelKeyDeletionResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(KeyIdRequest r, CancelKeyDeletionResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId }, s is null ? null : new() { KeyId = s.KeyId });

    public async Task<CancelKeyDeletionResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "CancelKeyDeletion", ct);
        authz.Demand(call, "CancelKeyDeletion", key);
        call.AuditTransaction?.Responding(Project(req, new CancelKeyDeletionResponse(key.Arn), call));
        await store.UpdateAsync(key.Arn, k => k.CancelDeletion(), call.AuditTransaction, ct);
        return new CancelKeyDeletionResponse(key.Arn);
    }
}
