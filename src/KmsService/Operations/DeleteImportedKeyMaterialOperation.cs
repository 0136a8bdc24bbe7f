using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record DeleteImportedKeyMaterialRequest(string? KeyId, string? KeyMaterialId);

internal sealed record DeleteImportedKeyMaterialResponse(string KeyId, string KeyMaterialId);

/// <summary>DeleteImportedKeyMaterial: deletes the named imported material, or the current one when KeyMaterialId is
/// omitted (API reference); the key becomes PendingImport (unless pending deletion) until the same material is
/// imported again, and ciphertexts under it do not decrypt meanwhile.</summary>
internal sealed class DeleteImportedKeyMaterialOperation(KeyResolver keys, Authorizer authz, IHsa hsa, ImportStore imports)
    : IKmsOperation<DeleteImportedKeyMaterialOperation, DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse>
{
    public static string Name => "DeleteImportedKeyMaterial";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<DeleteImportedKeyMaterialRequest> RequestType => KmsJsonContext.Default.DeleteImportedKeyMaterialRequest;
    public static JsonTypeInfo<DeleteImportedKeyMaterialResponse> ResponseType => KmsJsonContext.Default.DeleteImportedKeyMaterialResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(DeleteImportedKeyMaterialRequest r, DeleteImportedKeyMaterialResponse? s, CallContext call) =>
        new(
            new() { KeyId = r.KeyId, KeyMaterialId = r.KeyMaterialId },
            s is null ? null : new() { KeyId = s.KeyId, KeyMaterialId = s.KeyMaterialId });

    public async Task<DeleteImportedKeyMaterialResponse> ExecuteAsync(DeleteImportedKeyMaterialRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").MaterialId(req.KeyMaterialId, "keyMaterialId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);
        authz.Demand(call, Name, key);
        key.EnsureOriginExternal();

        var expected = req.KeyMaterialId ?? key.CurrentMaterialId;
        if (expected is not null)
        {
            call.AuditTransaction?.Responding(Project(req, new DeleteImportedKeyMaterialResponse(key.Arn, expected), call));
        }

        var (_, deleted) = await imports.DeleteAsync(key.Arn, req.KeyMaterialId, call.AuditTransaction, ct);
        hsa.Evict(key.Arn);
        return new DeleteImportedKeyMaterialResponse(key.Arn, deleted);
    }
}
