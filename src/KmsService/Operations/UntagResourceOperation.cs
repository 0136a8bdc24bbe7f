using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record UntagResourceRequest(string? KeyId, IReadOnlyList<string>? TagKeys);

/// <summary>UntagResource: removes tags, by tag key, from a customer managed key (key id or key ARN); tag keys the
/// key does not have are ignored.</summary>
internal sealed class UntagResourceOperation(KeyResolver keys, Authorizer authz, TagStore tags)
    : IKmsOperation<UntagResourceOperation, UntagResourceRequest, EmptyResponse>
{
    public static string Name => "UntagResource";
    public static RequestQuota Quota => RequestQuota.PerSecond(10);
    public static JsonTypeInfo<UntagResourceRequest> RequestType => KmsJsonContext.Default.UntagResourceRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(UntagResourceRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, TagKeys = r.TagKeys });

    public async Task<EmptyResponse> ExecuteAsync(UntagResourceRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").NotNull(req.TagKeys, "tagKeys").TagKeys(req.TagKeys).ThrowIfAny();

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "UntagResource", ct);
        authz.Demand(call, "UntagResource", key);

        await tags.UntagAsync(key.Arn, req.TagKeys!, k => k.EnsureNotPendingDeletion(), call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
