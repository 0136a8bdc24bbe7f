using System.Buffers.Text;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ListAliasesRequest(string? KeyId, int? Limit, string? Marker);

/// <summary>Model shape <c>AliasListEntry</c>; <c>TargetKeyId</c> is the bare key id. Predefined AWS aliases whose
/// AWS managed key does not exist yet have no target and no dates, as on AWS.</summary>
internal sealed record AliasListEntry(
    string AliasName,
    string AliasArn,
    string? TargetKeyId,
    DateTimeOffset? CreationDate,
    DateTimeOffset? LastUpdatedDate);

internal sealed record ListAliasesResponse(IReadOnlyList<AliasListEntry> Aliases, string? NextMarker, bool Truncated);

/// <summary>ListAliases: the caller's aliases in the request's region, or only those of one key (key id or key ARN),
/// ordered by alias name, in pages of Limit (1..100, default 50).</summary>
internal sealed class ListAliasesOperation(KeyResolver keys, Authorizer authz, AliasStore aliases)
    : IKmsOperation<ListAliasesOperation, ListAliasesRequest, ListAliasesResponse>
{
    public static string Name => "ListAliases";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListAliasesRequest> RequestType => KmsJsonContext.Default.ListAliasesRequest;
    public static JsonTypeInfo<ListAliasesResponse> ResponseType => KmsJsonContext.Default.ListAliasesResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListAliasesRequest r, ListAliasesResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, Limit = r.Limit, Marker = r.Marker });

    private const string MarkerPrefix = "a1.";

    public async Task<ListAliasesResponse> ExecuteAsync(ListAliasesRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .Length(req.KeyId, 1, Common.MaxKeyIdLength, "keyId")
            .Range(req.Limit, 1, 100, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .ThrowIfAny();

        var after = req.Marker is null ? null : ReadMarker(req.Marker);

        // kms:ListAliases is an IAM-policy permission (resource "*"), also when KeyId narrows the list.
        authz.DemandWithoutKey(call, "ListAliases");
        string? targetArn = null;
        if (req.KeyId is not null)
        {
            var key = await keys.ResolveKeyAsync(req.KeyId, call, "ListAliases", ct);
            targetArn = key.Arn;
        }

        var limit = req.Limit ?? 50;
        var (rows, truncated) = await aliases.ListAsync(call.AccountId, call.Region, targetArn, limit, after, ct);
        var entries = rows.Select(r => new AliasListEntry(
            r.AliasName,
            AliasRules.Arn(call, r.AliasName),
            r.TargetKeyArn[(r.TargetKeyArn.LastIndexOf('/') + 1)..],
            AsUtc(r.CreationDate),
            AsUtc(r.LastUpdatedDate))).ToList();

        if (targetArn is null)
        {
            // The unfiltered list also shows the predefined alias/aws/* names whose AWS managed key does not exist yet.
            // Any item past the store's page sorts after all of it, so merging the page with them stays in order.
            var existing = await aliases.ListAwsAliasNamesAsync(call.AccountId, call.Region, ct);
            entries.AddRange(AwsManagedKeys.AliasNames
                .Where(n => (after is null || string.CompareOrdinal(n, after) > 0) && !existing.Contains(n))
                .Select(n => new AliasListEntry(n, AliasRules.Arn(call, n), null, null, null)));
            entries.Sort((a, b) => string.CompareOrdinal(a.AliasName, b.AliasName));
            // Still truncated if the store had more: its next row sorts after everything on this page.
            truncated = truncated || entries.Count > limit;
            if (entries.Count > limit)
            {
                entries.RemoveRange(limit, entries.Count - limit);
            }
        }

        return new ListAliasesResponse(entries, truncated ? WriteMarker(entries[^1].AliasName) : null, truncated);
    }

    // Our markers are "a1." + base64url(last alias name of the previous page); anything else was not issued by us.
    private static string WriteMarker(string lastAliasName) =>
        MarkerPrefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastAliasName));

    private static string ReadMarker(string marker)
    {
        if (marker.StartsWith(MarkerPrefix, StringComparison.Ordinal)
            && Base64Url.IsValid(marker.AsSpan(MarkerPrefix.Length))
            && Encoding.UTF8.GetString(Base64Url.DecodeFromChars(marker.AsSpan(MarkerPrefix.Length))) is var name
            && AliasNames.IsValid(name))
        {
            return name;
        }

        throw new InvalidMarkerException("The marker that you specified is not valid.");
    }

    // SQLite hands DateTime back unspecified; everything is stored in UTC.
    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
