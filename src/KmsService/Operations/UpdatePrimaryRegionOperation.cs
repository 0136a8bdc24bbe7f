using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Lifecycle;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record UpdatePrimaryRegionRequest(string? KeyId, string? PrimaryRegion);

/// <summary>UpdatePrimaryRegion: the replica in PrimaryRegion becomes the primary key and the primary a replica, both
/// in the transient state Updating (usable in cryptographic operations) until the update completes a moment later
/// (<see cref="MultiRegionService"/>). Both keys must be Enabled when it starts (Developer Guide, "Change the primary
/// key in a set of multi-Region keys").</summary>
internal sealed class UpdatePrimaryRegionOperation(
    KeyResolver keys, Authorizer authz, KeyStore store, MultiRegionStore multiRegion, MultiRegionService sweeper)
    : IKmsOperation<UpdatePrimaryRegionOperation, UpdatePrimaryRegionRequest, EmptyResponse>
{
    public static string Name => "UpdatePrimaryRegion";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<UpdatePrimaryRegionRequest> RequestType => KmsJsonContext.Default.UpdatePrimaryRegionRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(UpdatePrimaryRegionRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, PrimaryRegion = r.PrimaryRegion }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(UpdatePrimaryRegionRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.PrimaryRegion, "primaryRegion")
            .Region(req.PrimaryRegion, "primaryRegion")
            .ThrowIfAny();
        var region = req.PrimaryRegion!;
        var primary = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);

        // Required: kms:UpdatePrimaryRegion on the primary key and on the replica key, each in its key policy.
        authz.Demand(call, Name, primary, conditions: r => r.Set("kms:PrimaryRegion", region));
        primary.EnsureMultiRegionPrimary();
        if (region == primary.Region)
        {
            throw new UnsupportedOperationException($"{primary.Arn} is already the primary key in {region}.");
        }

        var replicaArn = KmsKey.BuildArn(call.Partition, region, primary.AccountId, primary.KeyId);
        var replica = primary.RelatedKeys.Any(r => r.Arn == replicaArn) ? await store.FindAsync(replicaArn, ct) : null;
        if (replica is null)
        {
            throw new NotFoundException($"Key '{replicaArn}' does not exist");
        }

        authz.Demand(call, Name, replica, conditions: r => r.Set("kms:PrimaryRegion", region));
        call.UsedKey(replicaArn);
        call.AuditTransaction?.Responding(Project(req, EmptyResponse.Instance, call));
        await multiRegion.UpdatePrimaryRegionAsync(primary.Arn, replicaArn, (p, r) =>
        {
            p.EnsureMultiRegionPrimary();
            EnsureEnabled(p);
            EnsureEnabled(r);
        }, call.AuditTransaction, ct);
        sweeper.Wake();
        return EmptyResponse.Instance;
    }

    // Both keys must be Enabled when the update starts: DisabledException for a disabled one, KMSInvalidStateException
    // for any other state.
    private static void EnsureEnabled(KmsKey key)
    {
        if (key.KeyState != KeyState.Enabled)
        {
            key.EnsureUsableForCryptography();
            throw new KMSInvalidStateException($"{key.Arn} is updating.");
        }
    }
}
