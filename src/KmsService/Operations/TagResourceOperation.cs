using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record TagResourceRequest(string? KeyId, IReadOnlyList<Tag>? Tags);

/// <summary>TagResource: adds tags to a customer managed key (key id or key ARN), replacing the value of a tag key
/// it already has; at most 50 tags per key.</summary>
internal sealed class TagResourceOperation(KeyResolver keys, Authorizer authz, TagStore tags)
    : IKmsOperation<TagResourceOperation, TagResourceRequest, EmptyResponse>
{
    public static string Name => "TagResource";
    public static RequestQuota Quota => RequestQuota.PerSecond(10);
    public static JsonTypeInfo<TagResourceRequest> RequestType => KmsJsonContext.Default.TagResourceRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(TagResourceRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, Tags = AuditCopy.Tags(r.Tags?.Select(t => (t.TagKey, t.TagValue))) });

    public async Task<EmptyResponse> ExecuteAsync(TagResourceRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").NotNull(req.Tags, "tags").Tags(req.Tags).ThrowIfAny();
        var requested = TagRules.Check(req.Tags);

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "TagResource", ct);
        authz.Demand(call, "TagResource", key);

        // The state and the limit are checked on the key as stored, inside the write.
        await tags.TagAsync(key.Arn, requested, (current, tagCount) =>
        {
            current.EnsureNotPendingDeletion();
            TagRules.EnsureWithinLimit(tagCount);
        }, call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
