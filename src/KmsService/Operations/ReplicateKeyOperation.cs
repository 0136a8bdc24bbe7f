using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Lifecycle;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record ReplicateKeyRequest(
    string? KeyId,
    string? ReplicaRegion,
    string? Policy,
    bool? BypassPolicyLockoutSafetyCheck,
    string? Description,
    IReadOnlyList<Tag>? Tags);

internal sealed record ReplicateKeyResponse(KeyMetadata ReplicaKeyMetadata, string ReplicaPolicy, IReadOnlyList<Tag> ReplicaTags);

/// <summary>ReplicateKey: a replica of a multi-Region primary key in another region of the same partition and account,
/// with the same key id and key material (every backing key re-wrapped inside the HSA for the replica's ARN), its own
/// policy (the default one when none is given), description and tags. It answers in state Creating; the replica becomes
/// Enabled a moment later (<see cref="MultiRegionService"/>).</summary>
internal sealed class ReplicateKeyOperation(
    KeyResolver keys,
    Authorizer authz,
    KeyStore store,
    MultiRegionStore multiRegion,
    MultiRegionService sweeper,
    IAuditSink audit,
    IHsa hsa,
    TimeProvider time,
    KmsOptions options,
    KnownPrincipals principals)
    : IKmsOperation<ReplicateKeyOperation, ReplicateKeyRequest, ReplicateKeyResponse>
{
    public static string Name => "ReplicateKey";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<ReplicateKeyRequest> RequestType => KmsJsonContext.Default.ReplicateKeyRequest;
    public static JsonTypeInfo<ReplicateKeyResponse> ResponseType => KmsJsonContext.Default.ReplicateKeyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(ReplicateKeyRequest r, ReplicateKeyResponse? s, CallContext call) =>
        new(
        new()
        {
            KeyId = r.KeyId,
            ReplicaRegion = r.ReplicaRegion,
            Policy = r.Policy,
            BypassPolicyLockoutSafetyCheck = r.BypassPolicyLockoutSafetyCheck,
            Description = r.Description,
            Tags = AuditCopy.Tags(r.Tags?.Select(t => (t.TagKey, t.TagValue))),
        },
        s is null ? null : new() { ReplicaKeyMetadata = AuditCopy.KeyMetadata(s.ReplicaKeyMetadata) });

    private const int MaxAttempts = 5;

    public async Task<ReplicateKeyResponse> ExecuteAsync(ReplicateKeyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.ReplicaRegion, "replicaRegion")
            .Region(req.ReplicaRegion, "replicaRegion")
            .Length(req.Policy, 1, KeyPolicies.MaxLength, "policy")
            .Length(req.Description, 0, 8192, "description")
            .Tags(req.Tags)
            .ThrowIfAny();
        var region = req.ReplicaRegion!;
        var primary = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);
        authz.Demand(call, Name, primary, conditions: r => r.Set("kms:ReplicaRegion", region));

        // KMS must be available in the replica region, of the primary's partition (API reference, ReplicaRegion).
        if (!Partition.TryForRegion(region, out var partition))
        {
            throw new UnsupportedOperationException($"{region} is not a region in which KMS is available.");
        }

        if (partition != call.Partition)
        {
            throw new UnsupportedOperationException(
                $"The replica region {region} is not in the partition {call.Partition} of the primary key.");
        }

        EnsureReplicable(primary);

        // Required in the replica region: kms:CreateKey, and kms:TagResource for Tags (API reference, ReplicateKey).
        authz.DemandWithoutKey(call, "CreateKey", conditions =>
        {
            conditions.Set("kms:BypassPolicyLockoutSafetyCheck", req.BypassPolicyLockoutSafetyCheck == true ? "true" : "false");
            conditions.Set("kms:MultiRegion", "true");
            conditions.Set("kms:MultiRegionKeyType", "REPLICA");
        });
        if (req.Tags is { Count: > 0 } requestTags)
        {
            authz.DemandWithoutKey(call, "TagResource", conditions =>
            {
                conditions.SetValues("aws:TagKeys", requestTags.Select(t => t.TagKey!));
                foreach (var tag in requestTags)
                {
                    conditions.Set("aws:RequestTag/" + tag.TagKey, tag.TagValue!);
                }
            });
        }

        var replicaArn = KmsKey.BuildArn(call.Partition, region, primary.AccountId, primary.KeyId);
        if (primary.RelatedKeys.Any(r => r.Region == region))
        {
            throw AlreadyExists(replicaArn);
        }

        var parsedPolicy = req.Policy is null ? null : KeyPolicies.Parse(req.Policy, principals);
        if (parsedPolicy is not null && req.BypassPolicyLockoutSafetyCheck != true
            && !authz.AllowsPolicyChange(call, replicaArn, key: null, parsedPolicy))
        {
            throw new MalformedPolicyDocumentException(KeyPolicies.LockoutMessage);
        }

        var tags = TagRules.Check(req.Tags);
        if (await store.CountAsync(primary.AccountId, region, ct) >= options.Quotas.KeysPerRegion)
        {
            throw new LimitExceededException(
                $"The request was rejected because the account {primary.AccountId} already has {options.Quotas.KeysPerRegion} KMS keys in {region}, its quota.");
        }

        var policy = req.Policy ?? KeyPolicies.Default(call.Partition, primary.AccountId);
        call.UsedKey(replicaArn);
        for (var attempt = 1; ; attempt++)
        {
            var replica = new KmsKey(
                replicaArn,
                primary.KeyId,
                primary.AccountId,
                region,
                DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()),
                req.Description ?? string.Empty,
                KeyState.Creating,
                primary.KeyUsage,
                primary.KeySpec,
                primary.Origin,
                primary.KeyManager,
                DeletionDate: null,
                primary.CurrentMaterialId)
            {
                MultiRegionKeyType = MultiRegionKeyType.Replica,
                RelatedKeys = [.. primary.RelatedKeys.Append(new MultiRegionKeyRef(replicaArn, region, MultiRegionKeyType.Replica)).OrderBy(r => r.Region, StringComparer.Ordinal)],
            };
            var response = new ReplicateKeyResponse(
                KeyMetadata.From(replica), policy, [.. tags.Select(t => new Tag(t.Key, t.Value))]);
            var projection = Project(req, response, call);
            call.AuditTransaction?.Responding(projection);
            var record = ReplicaRegionRecord(call, replica, projection);
            var replicaRegionRecord = AuditInTransaction.For(audit, record);
            var outcome = await multiRegion.ReplicateAsync(
                primary.Arn,
                new NewKey(replica, policy, [], tags, []),
                backing => hsa.RewrapBackingKey(primary.Arn, backing, replicaArn),
                call.AuditTransaction,
                replicaRegionRecord,
                ct);
            switch (outcome)
            {
                case ReplicateOutcome.Replicated:
                    await AuditInTransaction.AppendIfNotCommittedAsync(audit, replicaRegionRecord, record, ct);
                    sweeper.Wake();
                    return response;
                case ReplicateOutcome.AlreadyExists:
                    throw AlreadyExists(replicaArn);
                case ReplicateOutcome.PrimaryChanged when attempt < MaxAttempts:
                    // The cached record was stale: decide on the stored one.
                    store.Invalidate(primary.Arn);
                    primary = await store.FindAsync(primary.Arn, ct) ?? throw new NotFoundException($"Key '{primary.Arn}' does not exist");
                    EnsureReplicable(primary);
                    break;
                default:
                    throw new KMSInternalException("The key changed too often to replicate it; try again.");
            }
        }
    }

    // Only an Enabled primary key is replicated: a replica answers as recorded from AWS; a disabled key
    // DisabledException; a key pending deletion or in a transient state KMSInvalidStateException.
    private static void EnsureReplicable(KmsKey primary)
    {
        primary.EnsureMultiRegionPrimary();
        if (primary.KeyState != KeyState.Enabled)
        {
            primary.EnsureUsableForCryptography();
            throw new KMSInvalidStateException($"{primary.Arn} is updating.");
        }
    }

    // CloudTrail records a ReplicateKey in the primary key's region and a CreateKey in the replica's (API reference,
    // ReplicateKey): the second is the same caller and request, in the replica region, naming the replica.
    private static AuditEvent ReplicaRegionRecord(CallContext call, KmsKey replica, AuditProjection projection) => new(
        Guid.CreateVersion7(), replica.CreationDate, "CreateKey", AuditEventType.ApiCall, call.RequestId, replica.Region, call,
        call.SourceIp, call.UserAgent, projection.RequestParameters, new() { KeyMetadata = AuditCopy.KeyMetadata(KeyMetadata.From(replica)) },
        null, null, replica.Arn, null, ReadOnly: false);

    private static AlreadyExistsException AlreadyExists(string replicaArn) =>
        new($"The multi-Region key {replicaArn} already exists.");
}
