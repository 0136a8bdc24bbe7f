using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ListKeysRequest(int? Limit, string? Marker);

internal sealed record KeyListEntry(string KeyId, string KeyArn);

internal sealed record ListKeysResponse(IReadOnlyList<KeyListEntry> Keys, string? NextMarker, bool Truncated);

/// <summary>ListKeys: the caller's keys in the request's region, in pages of Limit (1..1000, default 100).</summary>
internal sealed class ListKeysOperation(KeyStore store, Authorizer authz) : IKmsOperation<ListKeysOperation, ListKeysRequest, ListKeysResponse>
{
    public static string Name => "ListKeys";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListKeysRequest> RequestType => KmsJsonContext.Default.ListKeysRequest;
    public static JsonTypeInfo<ListKeysResponse> ResponseType => KmsJsonContext.Default.ListKeysResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListKeysRequest r, ListKeysResponse? _, CallContext call) =>
        new(new() { Limit = r.Limit, Marker = r.Marker });

    public async Task<ListKeysResponse> ExecuteAsync(ListKeysRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().Range(req.Limit, 1, 1000, "limit").Length(req.Marker, 1, 1024, "marker").ThrowIfAny();

        // Our markers are the last key id of the previous page; anything else was not issued by us.
        if (req.Marker is not null && !KeyIdentifier.IsKeyId(req.Marker))
        {
            throw new InvalidMarkerException("The marker that you specified is not valid.");
        }

        authz.DemandWithoutKey(call, "ListKeys");
        var (keys, truncated) = await store.ListAsync(call.AccountId, call.Region, req.Limit ?? 100, req.Marker, ct);
        var entries = keys.Select(k => new KeyListEntry(k.KeyId, k.Arn)).ToList();
        return new ListKeysResponse(entries, truncated ? entries[^1].KeyId : null, truncated);
    }
}
