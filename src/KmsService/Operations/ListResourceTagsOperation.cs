using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ListResourceTagsRequest(string? KeyId, int? Limit, string? Marker);

internal sealed record ListResourceTagsResponse(IReadOnlyList<Tag> Tags, string? NextMarker, bool Truncated);

/// <summary>ListResourceTags: a key's tags (key id or key ARN) in ascending tag-key order, in pages of Limit
/// (1..50, default 50). Works in every key state.</summary>
internal sealed class ListResourceTagsOperation(KeyResolver keys, Authorizer authz, TagStore tags)
    : IKmsOperation<ListResourceTagsOperation, ListResourceTagsRequest, ListResourceTagsResponse>
{
    public static string Name => "ListResourceTags";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListResourceTagsRequest> RequestType => KmsJsonContext.Default.ListResourceTagsRequest;
    public static JsonTypeInfo<ListResourceTagsResponse> ResponseType => KmsJsonContext.Default.ListResourceTagsResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListResourceTagsRequest r, ListResourceTagsResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, Limit = r.Limit, Marker = r.Marker });

    private const int DefaultLimit = 50;

    public async Task<ListResourceTagsResponse> ExecuteAsync(ListResourceTagsRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .Range(req.Limit, 1, TagRules.MaxTags, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .ThrowIfAny();
        var after = req.Marker is null ? null : TagRules.AfterTagKey(req.Marker);

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "ListResourceTags", ct);
        authz.Demand(call, "ListResourceTags", key);

        var all = await tags.ListAsync(key.Arn, ct);
        var rest = after is null ? all : [.. all.Where(t => string.CompareOrdinal(t.Key, after) > 0)];
        var limit = req.Limit ?? DefaultLimit;
        var page = rest.Take(limit).Select(t => new Tag(t.Key, t.Value)).ToList();
        var truncated = rest.Count > limit;
        return new ListResourceTagsResponse(page, truncated ? TagRules.Marker(page[^1].TagKey!) : null, truncated);
    }
}
