using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record ListKeyPoliciesRequest(string? KeyId, int? Limit, string? Marker);

internal sealed record ListKeyPoliciesResponse(IReadOnlyList<string> PolicyNames, string? NextMarker, bool Truncated);

/// <summary>ListKeyPolicies: always <c>["default"]</c>, the one policy a key has.</summary>
internal sealed class ListKeyPoliciesOperation(KeyResolver keys, Authorizer authz)
    : IKmsOperation<ListKeyPoliciesOperation, ListKeyPoliciesRequest, ListKeyPoliciesResponse>
{
    public static string Name => "ListKeyPolicies";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListKeyPoliciesRequest> RequestType => KmsJsonContext.Default.ListKeyPoliciesRequest;
    public static JsonTypeInfo<ListKeyPoliciesResponse> ResponseType => KmsJsonContext.Default.ListKeyPoliciesResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListKeyPoliciesRequest r, ListKeyPoliciesResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, Limit = r.Limit, Marker = r.Marker });

    private static readonly IReadOnlyList<string> Names = [KeyPolicies.DefaultName];

    public async Task<ListKeyPoliciesResponse> ExecuteAsync(ListKeyPoliciesRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").Range(req.Limit, 1, 1000, "limit").Length(req.Marker, 1, 1024, "marker").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "ListKeyPolicies", ct);
        authz.Demand(call, "ListKeyPolicies", key);

        // One page holds everything, so no marker we issue exists: any marker is not ours.
        if (req.Marker is not null)
        {
            throw new InvalidMarkerException("The marker that you specified is not valid.");
        }

        return new ListKeyPoliciesResponse(Names, null, false);
    }
}
