using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ListGrantsRequest(int? Limit, string? Marker, string? KeyId, string? GrantId, string? GranteePrincipal);

/// <summary>Model shape <c>GrantListEntry</c>: <c>KeyId</c> is the key ARN, <c>IssuingAccount</c> the issuing
/// account's root ARN; <c>Name</c>, <c>RetiringPrincipal</c> and <c>Constraints</c> only when the grant has them.</summary>
internal sealed record GrantListEntry(
    string KeyId,
    string GrantId,
    string? Name,
    DateTimeOffset CreationDate,
    string GranteePrincipal,
    string? RetiringPrincipal,
    string IssuingAccount,
    IReadOnlyList<string> Operations,
    GrantConstraints? Constraints)
{
    public static GrantListEntry From(Grant grant) => new(
        grant.KeyArn,
        grant.GrantId,
        grant.Name,
        grant.CreationDate,
        grant.GranteePrincipal,
        grant.RetiringPrincipal,
        grant.IssuingAccount,
        [.. grant.Operations.Select(GrantOperations.Name)],
        grant.Constraints is { } c
            ? new GrantConstraints(Copy(c.EncryptionContextSubset), Copy(c.EncryptionContextEquals))
            : null);

    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string>? pairs) =>
        pairs is null ? null : new(pairs, StringComparer.Ordinal);
}

/// <summary>Model shape <c>ListGrantsResponse</c> (also ListRetirableGrants' output).</summary>
internal sealed record ListGrantsResponse(IReadOnlyList<GrantListEntry> Grants, string? NextMarker, bool Truncated);

/// <summary>ListGrants: the grants of a key (key id or key ARN, in any key state), oldest first, optionally only one
/// grant id or one grantee principal, in pages of Limit (1..100, default 50). A GrantId that is not a grant id at
/// all is InvalidGrantIdException; one that names no grant of the key just lists nothing.</summary>
internal sealed class ListGrantsOperation(KeyResolver keys, Authorizer authz, GrantStore grants)
    : IKmsOperation<ListGrantsOperation, ListGrantsRequest, ListGrantsResponse>
{
    public static string Name => "ListGrants";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListGrantsRequest> RequestType => KmsJsonContext.Default.ListGrantsRequest;
    public static JsonTypeInfo<ListGrantsResponse> ResponseType => KmsJsonContext.Default.ListGrantsResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListGrantsRequest r, ListGrantsResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, GrantId = r.GrantId, GranteePrincipal = r.GranteePrincipal, Limit = r.Limit, Marker = r.Marker });

    public async Task<ListGrantsResponse> ExecuteAsync(ListGrantsRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .Range(req.Limit, 1, 100, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .KeyId(req.KeyId, "keyId")
            .GrantId(req.GrantId, "grantId")
            .Principal(req.GranteePrincipal, "granteePrincipal")
            .ThrowIfAny();
        var after = req.Marker is null ? (GrantCursor?)null : GrantMarkers.Read(req.Marker);
        GrantIds.EnsureWellFormed(req.GrantId);

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "ListGrants", ct);
        authz.DemandGrantManagement(call, "ListGrants", key);

        var limit = req.Limit ?? 50;
        var page = await grants.ListAsync(key.Arn, req.GrantId, req.GranteePrincipal, limit, after, ct);
        return GrantMarkers.Response(page);
    }
}

/// <summary>Paging of grant listings: markers are "g1." + base64url("TICKS:GRANTID") of the last grant of a page
/// (grants are listed by creation time, then id).</summary>
internal static class GrantMarkers
{
    private const string Prefix = "g1.";

    public static ListGrantsResponse Response(GrantPage page)
    {
        var entries = page.Grants.Select(GrantListEntry.From).ToList();
        return new ListGrantsResponse(entries, page.Truncated ? Write(page.Grants[^1]) : null, page.Truncated);
    }

    public static GrantCursor Read(string marker)
    {
        if (marker.StartsWith(Prefix, StringComparison.Ordinal)
            && Base64Url.IsValid(marker.AsSpan(Prefix.Length))
            && Encoding.UTF8.GetString(Base64Url.DecodeFromChars(marker.AsSpan(Prefix.Length))) is var text
            && text.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTime.MaxValue.Ticks
            && text.Length > colon + 1)
        {
            return new GrantCursor(new DateTime(ticks, DateTimeKind.Utc), text[(colon + 1)..]);
        }

        throw new InvalidMarkerException("The marker that you specified is not valid.");
    }

    private static string Write(Grant last) =>
        Prefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            last.CreationDate.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + last.GrantId));
}
