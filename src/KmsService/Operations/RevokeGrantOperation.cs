using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record RevokeGrantRequest(string? KeyId, string? GrantId, bool? DryRun);

/// <summary>RevokeGrant: deletes a grant of a key (key id or key ARN, also of another account), in any key state, for
/// a caller whose policies allow kms:RevokeGrant on the key (KMS Developer Guide, "Retiring and revoking grants").</summary>
internal sealed class RevokeGrantOperation(KeyResolver keys, Authorizer authz, GrantStore grants)
    : IKmsOperation<RevokeGrantOperation, RevokeGrantRequest, EmptyResponse>
{
    public static string Name => "RevokeGrant";
    public static RequestQuota Quota => RequestQuota.PerSecond(30);
    public static JsonTypeInfo<RevokeGrantRequest> RequestType => KmsJsonContext.Default.RevokeGrantRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(RevokeGrantRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, GrantId = r.GrantId, DryRun = r.DryRun });

    public async Task<EmptyResponse> ExecuteAsync(RevokeGrantRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.GrantId, "grantId").GrantId(req.GrantId, "grantId")
            .ThrowIfAny();
        GrantIds.EnsureWellFormed(req.GrantId);

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "RevokeGrant", ct);
        authz.DemandGrantManagement(call, "RevokeGrant", key);
        var grant = await grants.FindAsync(req.GrantId!, ct);
        if (grant is null || grant.KeyArn != key.Arn)
        {
            throw RetireGrantOperation.GrantNotFound(req.GrantId!, key.Arn);
        }

        Common.ThrowIfDryRun(req.DryRun);
        if (!await grants.DeleteAsync(key.Arn, grant.GrantId, call.AuditTransaction, ct))
        {
            throw RetireGrantOperation.GrantNotFound(grant.GrantId, key.Arn);
        }

        return EmptyResponse.Instance;
    }
}
