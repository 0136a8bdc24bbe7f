using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record UpdateKeyDescriptionRequest(string? KeyId, string? Description);

/// <summary>UpdateKeyDescription: replaces the description of a customer managed key (key id or key ARN).</summary>
internal sealed class UpdateKeyDescriptionOperation(KeyResolver keys, Authorizer authz, TagStore tags, KeyStore store)
    : IKmsOperation<UpdateKeyDescriptionOperation, UpdateKeyDescriptionRequest, EmptyResponse>
{
    public static string Name => "UpdateKeyDescription";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<UpdateKeyDescriptionRequest> RequestType => KmsJsonContext.Default.UpdateKeyDescriptionRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(UpdateKeyDescriptionRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, Description = r.Description });

    public async Task<EmptyResponse> ExecuteAsync(UpdateKeyDescriptionRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.Description, "description")
            .Length(req.Description, 0, 8192, "description")
            .ThrowIfAny();

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "UpdateKeyDescription", ct);
        authz.Demand(call, "UpdateKeyDescription", key);

        await tags.UpdateDescriptionAsync(key.Arn, req.Description!, k => k.EnsureNotPendingDeletion(), call.AuditTransaction, ct);

        // This instance answers DescribeKey with the new description at once; others within the cache's TTL.
        store.Invalidate(key.Arn);
        return EmptyResponse.Instance;
    }
}
