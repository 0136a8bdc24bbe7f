using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Identity;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record PutKeyPolicyRequest(string? KeyId, string? PolicyName, string? Policy, bool? BypassPolicyLockoutSafetyCheck);

/// <summary>PutKeyPolicy: replaces the key policy, refusing one that would lock the caller out of changing it again
/// (the lockout safety check) unless BypassPolicyLockoutSafetyCheck is set.</summary>
internal sealed class PutKeyPolicyOperation(KeyResolver keys, Authorizer authz, KeyStore store, KnownPrincipals principals)
    : IKmsOperation<PutKeyPolicyOperation, PutKeyPolicyRequest, EmptyResponse>
{
    public static string Name => "PutKeyPolicy";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<PutKeyPolicyRequest> RequestType => KmsJsonContext.Default.PutKeyPolicyRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(PutKeyPolicyRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, PolicyName = r.PolicyName, Policy = r.Policy, BypassPolicyLockoutSafetyCheck = r.BypassPolicyLockoutSafetyCheck });

    public async Task<EmptyResponse> ExecuteAsync(PutKeyPolicyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .PolicyName(req.PolicyName)
            .NotNull(req.Policy, "policy").Length(req.Policy, 1, KeyPolicies.MaxLength, "policy")
            .ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "PutKeyPolicy", ct);
        authz.Demand(call, "PutKeyPolicy", key);
        KeyPolicies.EnsureDefaultName(req.PolicyName);

        var policy = KeyPolicies.Parse(req.Policy!, principals);
        if (req.BypassPolicyLockoutSafetyCheck != true && !authz.AllowsPolicyChange(call, key.Arn, key, policy))
        {
            throw new MalformedPolicyDocumentException(KeyPolicies.LockoutMessage);
        }

        await store.SetPolicyAsync(key.Arn, req.Policy!, call.AuditTransaction, ct);
        return EmptyResponse.Instance;
    }
}
