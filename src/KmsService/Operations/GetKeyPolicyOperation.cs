using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record GetKeyPolicyRequest(string? KeyId, string? PolicyName);

internal sealed record GetKeyPolicyResponse(string Policy, string PolicyName);

/// <summary>GetKeyPolicy: the key's policy document (the only policy name is <c>default</c>).</summary>
internal sealed class GetKeyPolicyOperation(KeyResolver keys, Authorizer authz, KeyStore store)
    : IKmsOperation<GetKeyPolicyOperation, GetKeyPolicyRequest, GetKeyPolicyResponse>
{
    public static string Name => "GetKeyPolicy";
    public static RequestQuota Quota => RequestQuota.PerSecond(1000);
    public static JsonTypeInfo<GetKeyPolicyRequest> RequestType => KmsJsonContext.Default.GetKeyPolicyRequest;
    public static JsonTypeInfo<GetKeyPolicyResponse> ResponseType => KmsJsonContext.Default.GetKeyPolicyResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GetKeyPolicyRequest r, GetKeyPolicyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, PolicyName = r.PolicyName });

    public async Task<GetKeyPolicyResponse> ExecuteAsync(GetKeyPolicyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").PolicyName(req.PolicyName).ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "GetKeyPolicy", ct);
        authz.Demand(call, "GetKeyPolicy", key);
        KeyPolicies.EnsureDefaultName(req.PolicyName);
        return new GetKeyPolicyResponse(await store.GetPolicyAsync(key.Arn, ct), KeyPolicies.DefaultName);
    }
}
