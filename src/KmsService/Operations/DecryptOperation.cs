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
    string KeyMaterialId) : IHoldsSecrets
{
    public void ClearSecrets() => SymmetricCrypto.Clear(Plaintext);
}

/// <summary>Decrypt: finds the key from the ciphertext blob (KeyId optional, but if given it must name that key)
/// and returns the plaintext when the encryption context matches exactly.</summary>
internal sealed class DecryptOperation(KeyResolver keys, Authorizer authz, SymmetricCrypto crypto)
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
            .ThrowIfAny();
        foreach (var modifier in req.DryRunModifiers ?? [])
        {
            v.Check(modifier == "IGNORE_CIPHERTEXT", $"Value '{Validator.Echo(modifier)}' at 'dryRunModifiers' failed to satisfy constraint: Member must satisfy enum value set: [IGNORE_CIPHERTEXT]");
        }

        v.ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        Common.RejectRecipient(req.Recipient);

        var named = req.KeyId is null ? null : await keys.ResolveAsync(req.KeyId, call, "Decrypt", ct);
        if (ignoreCiphertext && req.CiphertextBlob is null)
        {
            var key = named ?? throw new ValidationException("KeyId is required when the DryRun modifier IGNORE_CIPHERTEXT is set and no CiphertextBlob is given.");
            await authz.DemandAsync(call, "Decrypt", key, req.EncryptionContext, conditions: null, ct);
            CheckDecryptable(key, req.EncryptionAlgorithm);
            Common.ThrowIfDryRun(true);
        }

        var (blobKey, header) = await crypto.OpenAsync(req.CiphertextBlob!, call, "Decrypt", req.EncryptionContext, ct);
        if (named is not null && named.Arn != blobKey.Arn)
        {
            throw new IncorrectKeyException(IncorrectKeyMessage);
        }

        CheckDecryptable(blobKey, req.EncryptionAlgorithm);
        Common.ThrowIfDryRun(req.DryRun);

        var plaintext = await crypto.DecryptAsync(blobKey, header, req.CiphertextBlob!, SymmetricCrypto.Context(req.EncryptionContext), ct);
        return new DecryptResponse(blobKey.Arn, plaintext, EncryptionAlgorithmSpec.SymmetricDefault, header.MaterialId);
    }

    private static void CheckDecryptable(KmsKey key, string? algorithm)
    {
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.EncryptDecrypt, "Decrypt");
        SymmetricCrypto.EnsureAlgorithm(key, algorithm);
    }
}
