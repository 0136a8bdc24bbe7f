using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record RetireGrantRequest(string? GrantToken, string? KeyId, string? GrantId, bool? DryRun);

/// <summary>
/// RetireGrant: deletes a grant named by its grant token, or by grant id and key (key id or key ARN, also of another
/// account), in any key state. The grant decides who may: its retiring principal, its grantee if it allows
/// RetireGrant, and the account that issued it or owns the key (see <see cref="Authorizer.DemandRetire"/>).
/// </summary>
internal sealed class RetireGrantOperation(KeyResolver keys, KeyStore keyStore, Authorizer authz, GrantStore grants)
    : IKmsOperation<RetireGrantOperation, RetireGrantRequest, EmptyResponse>
{
    public static string Name => "RetireGrant";
    public static RequestQuota Quota => RequestQuota.PerSecond(30);
    public static JsonTypeInfo<RetireGrantRequest> RequestType => KmsJsonContext.Default.RetireGrantRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    // CloudTrail logs no requestParameters of RetireGrant (the token is a secret) and the retired grant's id as
    // additionalEventData.grantId (ct-retire-grant): the request's grant id, else the id the token names.
    public static AuditProjection Project(RetireGrantRequest r, EmptyResponse? _, CallContext call) =>
        new(null, null, RetiredGrantId(r) is { } grantId ? new() { GrantId = grantId } : null);

    private static string? RetiredGrantId(RetireGrantRequest r) =>
        r.GrantId ?? (r.GrantToken is not null && GrantToken.TryRead(r.GrantToken, out var fromToken) ? fromToken : null);

    public async Task<EmptyResponse> ExecuteAsync(RetireGrantRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .GrantToken(req.GrantToken, "grantToken")
            .Length(req.KeyId, 1, Common.MaxKeyIdLength, "keyId")
            .GrantId(req.GrantId, "grantId")
            .ThrowIfAny();
        if (req.GrantToken is null && (req.GrantId is null || req.KeyId is null))
        {
            throw new ValidationException("Grant token OR (grant ID, key ID) must be specified");
        }

        var grant = req.GrantToken is not null
            ? await ByTokenAsync(req.GrantToken, req, call, ct)
            : await ByIdAsync(req.KeyId!, req.GrantId!, call, ct);

        authz.DemandRetire(call, grant, await keyStore.FindAsync(grant.KeyArn, ct));
        Common.ThrowIfDryRun(req.DryRun);
        if (!await grants.DeleteAsync(grant.KeyArn, grant.GrantId, call.AuditTransaction, ct))
        {
            throw GrantNotFound(grant.GrantId);
        }

        return EmptyResponse.Instance;
    }

    // A token names its grant by id; a key or grant id given with it must name the same grant.
    private async Task<Grant> ByTokenAsync(string token, RetireGrantRequest req, CallContext call, CancellationToken ct)
    {
        if (!GrantToken.TryRead(token, out var grantId))
        {
            throw new InvalidGrantTokenException("The grant token is not valid.");
        }

        GrantIds.EnsureWellFormed(req.GrantId);
        if (req.GrantId is not null && !string.Equals(req.GrantId, grantId, StringComparison.Ordinal))
        {
            throw new InvalidGrantIdException($"The grant ID '{req.GrantId}' is not the grant that the grant token names.");
        }

        var grant = await grants.FindAsync(grantId, ct);
        if (grant is null || GrantPrincipals.RegionOf(grant.KeyArn) != call.Region)
        {
            throw new NotFoundException("The grant that the grant token names does not exist: it was retired or revoked.");
        }

        if (req.KeyId is not null && (await keys.ResolveKeyAsync(req.KeyId, call, "RetireGrant", ct)).Arn != grant.KeyArn)
        {
            throw new InvalidGrantIdException($"The grant that the grant token names is not a grant of {req.KeyId}.");
        }

        return grant;
    }

    private async Task<Grant> ByIdAsync(string keyId, string grantId, CallContext call, CancellationToken ct)
    {
        GrantIds.EnsureWellFormed(grantId);
        var key = await keys.ResolveKeyAsync(keyId, call, "RetireGrant", ct);
        var grant = await grants.FindAsync(grantId, ct);
        return grant is not null && grant.KeyArn == key.Arn ? grant : throw GrantNotFound(grantId, key.Arn);
    }

    internal static NotFoundException GrantNotFound(string grantId, string? keyArn = null) =>
        new(keyArn is null ? $"Grant ID {grantId} not found" : $"Grant ID {grantId} not found for key {keyArn}");
}
