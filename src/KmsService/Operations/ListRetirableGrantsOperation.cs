using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ListRetirableGrantsRequest(int? Limit, string? Marker, string? RetiringPrincipal);

/// <summary>
/// ListRetirableGrants: the grants in the caller's region whose retiring principal is the given principal of the
/// caller's account, on keys of any account, oldest first, in pages of Limit (1..100, default 50). Authorized by the
/// caller's identity policies alone, with the retiring principal as the resource (KMS API Reference: "The authorized
/// resource in ListRetirableGrants calls is the retiring principal specified in the request. KMS does not evaluate the
/// caller's permissions to verify their access to any KMS keys or grants that might be returned").
/// </summary>
internal sealed class ListRetirableGrantsOperation(Authorizer authz, GrantStore grants)
    : IKmsOperation<ListRetirableGrantsOperation, ListRetirableGrantsRequest, ListGrantsResponse>
{
    public static string Name => "ListRetirableGrants";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListRetirableGrantsRequest> RequestType => KmsJsonContext.Default.ListRetirableGrantsRequest;
    public static JsonTypeInfo<ListGrantsResponse> ResponseType => KmsJsonContext.Default.ListGrantsResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListRetirableGrantsRequest r, ListGrantsResponse? _, CallContext call) =>
        new(new() { RetiringPrincipal = r.RetiringPrincipal, Limit = r.Limit, Marker = r.Marker });

    public async Task<ListGrantsResponse> ExecuteAsync(ListRetirableGrantsRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .Range(req.Limit, 1, 100, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .NotNull(req.RetiringPrincipal, "retiringPrincipal").Principal(req.RetiringPrincipal, "retiringPrincipal")
            .ThrowIfAny();
        var after = req.Marker is null ? (GrantCursor?)null : GrantMarkers.Read(req.Marker);
        var principal = req.RetiringPrincipal!;
        if (!GrantPrincipals.IsValid(principal))
        {
            throw new InvalidArnException($"RetiringPrincipal {principal} is not a valid principal ARN.");
        }

        // "You must specify a principal in your AWS account": another account's principal is never the caller's to list.
        authz.DemandOnPrincipal(call, "ListRetirableGrants", principal);

        var page = await grants.ListRetirableAsync(principal, call.Region, req.Limit ?? 50, after, ct);
        return GrantMarkers.Response(page);
    }
}
