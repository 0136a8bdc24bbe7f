using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record DescribeCustomKeyStoresRequest(string? CustomKeyStoreId, string? CustomKeyStoreName, int? Limit, string? Marker);

/// <summary>Model shape <c>CustomKeyStoresListEntry</c>, its identifying members: the account has no custom key
/// store, so no entry is ever listed.</summary>
internal sealed record CustomKeyStoresListEntry(string CustomKeyStoreId, string CustomKeyStoreName);

internal sealed record DescribeCustomKeyStoresResponse(IReadOnlyList<CustomKeyStoresListEntry> CustomKeyStores, string? NextMarker, bool Truncated);

/// <summary>DescribeCustomKeyStores: the custom key stores of the caller's account and region, which has none: an empty
/// list, or CustomKeyStoreNotFoundException when the request names one by id or name (model documentation of the
/// error: "cannot find a custom key store with the specified key store name or ID"). kms:DescribeCustomKeyStores
/// (IAM policy). No marker was ever issued, so any Marker is InvalidMarkerException.</summary>
internal sealed class DescribeCustomKeyStoresOperation(Authorizer authz)
    : IKmsOperation<DescribeCustomKeyStoresOperation, DescribeCustomKeyStoresRequest, DescribeCustomKeyStoresResponse>
{
    public static string Name => "DescribeCustomKeyStores";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<DescribeCustomKeyStoresRequest> RequestType => KmsJsonContext.Default.DescribeCustomKeyStoresRequest;
    public static JsonTypeInfo<DescribeCustomKeyStoresResponse> ResponseType => KmsJsonContext.Default.DescribeCustomKeyStoresResponse;
    public static bool ReadOnly => true;

    private static readonly DescribeCustomKeyStoresResponse None = new([], null, false);

    public static AuditProjection Project(DescribeCustomKeyStoresRequest r, DescribeCustomKeyStoresResponse? _, CallContext call) =>
        new(new() { CustomKeyStoreId = r.CustomKeyStoreId, CustomKeyStoreName = r.CustomKeyStoreName, Limit = r.Limit, Marker = r.Marker });

    public Task<DescribeCustomKeyStoresResponse> ExecuteAsync(DescribeCustomKeyStoresRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .CustomKeyStoreId(req.CustomKeyStoreId, required: false)
            .Length(req.CustomKeyStoreName, 1, 256, "customKeyStoreName")
            .Range(req.Limit, 1, 1000, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .ThrowIfAny();
        if (req.Marker is not null)
        {
            throw new InvalidMarkerException("The marker that you specified is not valid.");
        }

        authz.DemandWithoutKey(call, Name);
        var named = req.CustomKeyStoreId ?? req.CustomKeyStoreName;
        return named is null ? Task.FromResult(None) : throw CustomKeyStoreRules.NotFound(call, named);
    }
}
