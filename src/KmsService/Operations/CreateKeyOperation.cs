using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record CreateKeyRequest(
    string? Policy,
    string? Description,
    string? KeyUsage,
    string? CustomerMasterKeySpec,
    string? KeySpec,
    string? Origin,
    string? CustomKeyStoreId,
    bool? BypassPolicyLockoutSafetyCheck,
    IReadOnlyList<Tag>? Tags,
    bool? MultiRegion,
    string? XksKeyId);

internal sealed record CreateKeyResponse(KeyMetadata KeyMetadata);

/// <summary>CreateKey: a new customer managed key of any key spec and usage AWS offers in the caller's region, of
/// origin AWS_KMS or EXTERNAL (no key material until ImportKeyMaterial), single-Region or a multi-Region primary key
/// (MultiRegion). A key in a custom key store (Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE) is validated, authorized, and
/// refused with CustomKeyStoreNotFoundException: the account has no custom key store.</summary>
internal sealed class CreateKeyOperation(KeyStore store, IHsa hsa, TimeProvider time, KmsOptions options, Authorizer authz, KnownPrincipals principals)
    : IKmsOperation<CreateKeyOperation, CreateKeyRequest, CreateKeyResponse>
{
    public static string Name => "CreateKey";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<CreateKeyRequest> RequestType => KmsJsonContext.Default.CreateKeyRequest;
    public static JsonTypeInfo<CreateKeyResponse> ResponseType => KmsJsonContext.Default.CreateKeyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(CreateKeyRequest r, CreateKeyResponse? s, CallContext call) =>
        new(
        new()
        {
            Policy = r.Policy,
            Description = r.Description,
            KeyUsage = r.KeyUsage,
            CustomerMasterKeySpec = r.CustomerMasterKeySpec,
            KeySpec = r.KeySpec,
            Origin = r.Origin,
            CustomKeyStoreId = r.CustomKeyStoreId,
            BypassPolicyLockoutSafetyCheck = r.BypassPolicyLockoutSafetyCheck,
            MultiRegion = r.MultiRegion,
            Tags = AuditCopy.Tags(r.Tags?.Select(t => (t.TagKey, t.TagValue))),
        },
        s is null ? null : new() { KeyMetadata = AuditCopy.KeyMetadata(s.KeyMetadata) });

    public async Task<CreateKeyResponse> ExecuteAsync(CreateKeyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .Length(req.Policy, 1, KeyPolicies.MaxLength, "policy")
            .Length(req.Description, 0, 8192, "description")
            .Enum<KeyUsageType>(req.KeyUsage, "keyUsage")
            .Enum<KeySpec>(req.CustomerMasterKeySpec, "customerMasterKeySpec")
            .Enum<KeySpec>(req.KeySpec, "keySpec")
            .Enum<OriginType>(req.Origin, "origin")
            .Length(req.CustomKeyStoreId, 1, 64, "customKeyStoreId")
            .Length(req.XksKeyId, 1, 128, "xksKeyId")
            .XksKeyId(req.XksKeyId)
            .Tags(req.Tags)
            .ThrowIfAny();

        if (req.KeySpec is not null && req.CustomerMasterKeySpec is not null)
        {
            throw new ValidationException("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated; use KeySpec.");
        }

        var spec = WireNames<KeySpec>.Parse(req.KeySpec ?? req.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT");
        if (spec != KeySpec.SymmetricDefault && req.KeyUsage is null)
        {
            throw new ValidationException("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
        }

        var usage = req.KeyUsage is null ? KeyUsageType.EncryptDecrypt : WireNames<KeyUsageType>.Parse(req.KeyUsage);

        if (!KeySpecs.Allows(spec, usage))
        {
            // As recorded from AWS: no final period.
            throw new ValidationException($"KeyUsage {WireNames<KeyUsageType>.Name(usage)} is not compatible with KeySpec {spec.Name()}");
        }

        if (!KeySpecs.IsOfferedIn(spec, call.Partition))
        {
            throw new UnsupportedOperationException($"KeySpec {spec.Name()} is not supported in this Region");
        }

        if (!KeySchemes.Supports(spec))
        {
            throw new UnsupportedOperationException($"KmsService does not support KeySpec {spec.Name()} yet.");
        }

        var inCustomKeyStore = CustomKeyStoreKeys.EnsureWellFormed(req.Origin, req.CustomKeyStoreId, req.XksKeyId, spec, usage, req.MultiRegion == true);
        var origin = req.Origin is null ? OriginType.AwsKms : WireNames<OriginType>.Parse(req.Origin);
        if (origin is not (OriginType.AwsKms or OriginType.External) && !inCustomKeyStore)
        {
            throw new UnsupportedOperationException($"KmsService does not support Origin {req.Origin} yet; only AWS_KMS and EXTERNAL keys can be created.");
        }

        if (origin == OriginType.External && req.MultiRegion == true)
        {
            throw new UnsupportedOperationException("KmsService does not support multi-Region keys with imported key material (Origin EXTERNAL) yet.");
        }

        authz.DemandWithoutKey(call, "CreateKey", conditions =>
        {
            conditions.Set("kms:BypassPolicyLockoutSafetyCheck", req.BypassPolicyLockoutSafetyCheck == true ? "true" : "false");
            if (req.Tags is { Count: > 0 } requestTags)
            {
                conditions.SetValues("aws:TagKeys", requestTags.Select(t => t.TagKey!));
                foreach (var tag in requestTags)
                {
                    conditions.Set("aws:RequestTag/" + tag.TagKey, tag.TagValue!);
                }
            }
        });
        if (inCustomKeyStore)
        {
            throw CustomKeyStoreRules.NotFound(call, req.CustomKeyStoreId!);
        }

        var parsedPolicy = req.Policy is null ? null : KeyPolicies.Parse(req.Policy, principals);

        var tags = TagRules.Check(req.Tags);

        // A soft quota: concurrent creates may pass it by a few, as they would race on AWS too.
        if (await store.CountAsync(call.AccountId, call.Region, ct) >= options.Quotas.KeysPerRegion)
        {
            throw new LimitExceededException(
                $"The request was rejected because the account {call.AccountId} already has {options.Quotas.KeysPerRegion} KMS keys in {call.Region}, its quota.");
        }

        // A multi-Region primary key: an mrk- id, the same in every region it is replicated to.
        var multiRegion = req.MultiRegion == true;
        var keyId = multiRegion ? MultiRegionKeys.NewKeyId() : Guid.NewGuid().ToString("D");
        var arn = KmsKey.BuildArn(call.Partition, call.Region, call.AccountId, keyId);
        // An EXTERNAL key starts without key material, PendingImport, until ImportKeyMaterial.
        var backingKey = origin == OriginType.External ? null : hsa.GenerateBackingKey(arn, spec);
        var key = new KmsKey(
            arn,
            keyId,
            call.AccountId,
            call.Region,
            TruncateToMilliseconds(time.GetUtcNow()),
            req.Description ?? string.Empty,
            backingKey is null ? KeyState.PendingImport : KeyState.Enabled,
            usage,
            spec,
            origin,
            KeyManagerType.Customer,
            DeletionDate: null,
            backingKey?.MaterialId)
        {
            MultiRegionKeyType = multiRegion ? MultiRegionKeyType.Primary : null,
            RelatedKeys = multiRegion ? [new MultiRegionKeyRef(arn, call.Region, MultiRegionKeyType.Primary)] : [],
        };

        // The lockout safety check: a new policy must still let the caller change it, unless told to bypass.
        if (parsedPolicy is not null && req.BypassPolicyLockoutSafetyCheck != true
            && !authz.AllowsPolicyChange(call, arn, key: null, parsedPolicy))
        {
            throw new MalformedPolicyDocumentException(KeyPolicies.LockoutMessage);
        }

        var policy = req.Policy ?? KeyPolicies.Default(call.Partition, call.AccountId);
        var response = new CreateKeyResponse(KeyMetadata.From(key));
        // CloudTrail's CreateKey record names the new key in resources (ct-createkey).
        call.UsedKey(arn);
        call.AuditTransaction?.Responding(Project(req, response, call));
        await store.CreateAsync(new NewKey(key, policy, backingKey is null ? [] : [backingKey], tags, []), call.AuditTransaction, ct);
        return response;
    }

    // Timestamps go out with millisecond precision; store what we return so DescribeKey agrees with CreateKey.
    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset t) =>
        DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());
}
