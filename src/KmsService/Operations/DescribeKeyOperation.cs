using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record DescribeKeyRequest(string? KeyId, IReadOnlyList<string>? GrantTokens);

internal sealed record DescribeKeyResponse(KeyMetadata KeyMetadata);

/// <summary>DescribeKey: the metadata of a key named by id, ARN, alias name or alias ARN.</summary>
internal sealed class DescribeKeyOperation(KeyResolver keys, Authorizer authz)
    : IKmsOperation<DescribeKeyOperation, DescribeKeyRequest, DescribeKeyResponse>
{
    public static string Name => "DescribeKey";
    public static RequestQuota Quota => RequestQuota.PerSecond(2000);
    public static JsonTypeInfo<DescribeKeyRequest> RequestType => KmsJsonContext.Default.DescribeKeyRequest;
    public static JsonTypeInfo<DescribeKeyResponse> ResponseType => KmsJsonContext.Default.DescribeKeyResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(DescribeKeyRequest r, DescribeKeyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId });

    public async Task<DescribeKeyResponse> ExecuteAsync(DescribeKeyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").GrantTokens(req.GrantTokens).ThrowIfAny();
        var key = await keys.ResolveAsync(req.KeyId!, call, "DescribeKey", ct);
        await authz.DemandAsync(call, "DescribeKey", key, encryptionContext: null, Authorizer.RequestAlias(req.KeyId), ct);
        return new DescribeKeyResponse(KeyMetadata.From(key));
    }
}
