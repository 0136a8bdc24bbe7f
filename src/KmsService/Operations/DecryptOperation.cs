using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record DecryptRequest(
    byte[]? CiphertextBlob,
    Dictionary<string, string>? EncryptionContext,
    IReadOnlyList<string>? GrantTokens,
    string? KeyId,
    string? EncryptionAlgorithm,
    RecipientInfo? Recipient,
    bool? DryRun,
    IReadOnlyList<string>? DryRunModifiers);

internal sealed record DecryptResponse(
    string KeyId,
    byte[] Plaintext,
    EncryptionAlgorithmSpec EncryptionAlgorithm,
    string? KeyMaterialId) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Plaintext);
}

/// <summary>Decrypt: a symmetric ciphertext blob names its key (KeyId optional, but if given it must name that key) and
/// decrypts when the encryption context matches exactly; an asymmetric ciphertext names no key, so KeyId names the key
/// pair and EncryptionAlgorithm its algorithm.</summary>
internal sealed class DecryptOperation(
    KeyResolver keys, Authorizer authz, CiphertextOpener opener, SymmetricEncryption symmetric, AsymmetricEncryption asymmetric)
    : IKmsOperation<DecryptOperation, DecryptRequest, DecryptResponse>
{
    public static string Name => "Decrypt";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<DecryptRequest> RequestType => KmsJsonContext.Default.DecryptRequest;
    public static JsonTypeInfo<DecryptResponse> ResponseType => KmsJsonContext.Default.DecryptResponse;
    public static bool ReadOnly => true;

    // "always includes the encryptionAlgorithm in the requestParameters even if [it] wasn't specified" (ct-decrypt).
    public static AuditProjection Project(DecryptRequest r, DecryptResponse? s, CallContext call) =>
        new(
        new() { KeyId = r.KeyId, EncryptionContext = r.EncryptionContext, EncryptionAlgorithm = r.EncryptionAlgorithm ?? AuditCopy.SymmetricDefault, DryRun = r.DryRun },
        null,
        s is null ? null : new() { KeyMaterialId = s.KeyMaterialId });

    public const string IncorrectKeyMessage = "The key ID in the request does not identify a CMK that can perform this operation.";

    public async Task<DecryptResponse> ExecuteAsync(DecryptRequest req, CallContext call, CancellationToken ct)
    {
        var ignoreCiphertext = req.DryRun == true && req.DryRunModifiers?.Contains("IGNORE_CIPHERTEXT") == true;
        var v = new Validator();
        if (!ignoreCiphertext)
        {
            v.NotNull(req.CiphertextBlob, "ciphertextBlob");
        }

        v.Length(req.CiphertextBlob, 1, 6144, "ciphertextBlob")
            .GrantTokens(req.GrantTokens)
            .EncryptionContext(req.EncryptionContext, "encryptionContext")
            .Length(req.KeyId, 1, Common.MaxKeyIdLength, "keyId")
            .Enum<EncryptionAlgorithmSpec>(req.EncryptionAlgorithm, "encryptionAlgorithm")
            .Count(req.DryRunModifiers, 0, 1, "dryRunModifiers")
            .Recipient(req.Recipient)
            .ThrowIfAny();
        foreach (var modifier in req.DryRunModifiers ?? [])
        {
            v.Check(modifier == "IGNORE_CIPHERTEXT", $"Value '{Validator.Echo(modifier)}' at 'dryRunModifiers' failed to satisfy constraint: Member must satisfy enum value set: [IGNORE_CIPHERTEXT]");
        }

        v.ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        Common.RejectRecipient(req.Recipient);

        var named = req.KeyId is null ? null : await keys.ResolveAsync(req.KeyId, call, "Decrypt", ct);
        if (named is not null && KeySpecs.IsAsymmetric(named.KeySpec))
        {
            return await DecryptWithKeyPairAsync(named, req, call, ct);
        }

        if (ignoreCiphertext && req.CiphertextBlob is null)
        {
            var key = named ?? throw new ValidationException("KeyId is required when the DryRun modifier IGNORE_CIPHERTEXT is set and no CiphertextBlob is given.");
            await DemandAsync(call, key, req, ct);
            EncryptionRules.EnsureCanUse(key, "Decrypt", req.EncryptionAlgorithm);
            Common.ThrowIfDryRun(true);
        }

        var (blobKey, header) = await opener.FindKeyAsync(req.CiphertextBlob!, call, ct);
        await DemandAsync(call, blobKey, req, ct);
        if (named is not null && named.Arn != blobKey.Arn)
        {
            throw new IncorrectKeyException(IncorrectKeyMessage);
        }

        var algorithm = EncryptionRules.EnsureCanUse(blobKey, "Decrypt", req.EncryptionAlgorithm);
        Common.ThrowIfDryRun(req.DryRun);

        var plaintext = await symmetric.DecryptAsync(blobKey, header, req.CiphertextBlob!, SymmetricEncryption.Context(req.EncryptionContext), ct);
        return new DecryptResponse(blobKey.Arn, plaintext, algorithm, header.MaterialId);
    }

    /// <summary>Decrypts a raw asymmetric ciphertext with the key pair the request names; AWS reports no key material
    /// id for it.</summary>
    private async Task<DecryptResponse> DecryptWithKeyPairAsync(KmsKey key, DecryptRequest req, CallContext call, CancellationToken ct)
    {
        await DemandAsync(call, key, req, ct);
        var algorithm = EncryptionRules.EnsureCanUse(key, "Decrypt", req.EncryptionAlgorithm);
        EncryptionRules.EnsureNoEncryptionContext(req.EncryptionContext, "EncryptionContext");
        Common.ThrowIfDryRun(req.DryRun);

        var plaintext = await asymmetric.DecryptAsync(key, algorithm, req.CiphertextBlob!, ct);
        return new DecryptResponse(key.Arn, plaintext, algorithm, KeyMaterialId: null);
    }

    private ValueTask DemandAsync(CallContext call, KmsKey key, DecryptRequest req, CancellationToken ct) =>
        authz.DemandAsync(call, "Decrypt", key, req.EncryptionContext, Authorizer.Cryptographic(req.KeyId, req.EncryptionAlgorithm), ct);
}
