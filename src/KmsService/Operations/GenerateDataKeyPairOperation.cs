using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record GenerateDataKeyPairRequest(
    Dictionary<string, string>? EncryptionContext,
    string? KeyId,
    string? KeyPairSpec,
    IReadOnlyList<string>? GrantTokens,
    RecipientInfo? Recipient,
    bool? DryRun);

internal sealed record GenerateDataKeyPairResponse(
    byte[] PrivateKeyCiphertextBlob,
    byte[] PrivateKeyPlaintext,
    byte[] PublicKey,
    string KeyId,
    DataKeyPairSpec KeyPairSpec,
    string KeyMaterialId) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(PrivateKeyPlaintext);
}

/// <summary>GenerateDataKeyPair: a fresh key pair for use outside KMS, the private key (PKCS #8 DER) returned in
/// plaintext and encrypted under a symmetric KMS key with the encryption context, the public key as DER
/// SubjectPublicKeyInfo.</summary>
internal sealed class GenerateDataKeyPairOperation(DataKeyPairs pairs)
    : IKmsOperation<GenerateDataKeyPairOperation, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse>
{
    public static string Name => "GenerateDataKeyPair";
    public static RequestQuota Quota => DataKeyPairs.Quota;
    public static JsonTypeInfo<GenerateDataKeyPairRequest> RequestType => KmsJsonContext.Default.GenerateDataKeyPairRequest;
    public static JsonTypeInfo<GenerateDataKeyPairResponse> ResponseType => KmsJsonContext.Default.GenerateDataKeyPairResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GenerateDataKeyPairRequest r, GenerateDataKeyPairResponse? s, CallContext call) =>
        DataKeyPairs.Project(r, s?.KeyMaterialId);

    public async Task<GenerateDataKeyPairResponse> ExecuteAsync(GenerateDataKeyPairRequest req, CallContext call, CancellationToken ct)
    {
        var pair = await pairs.GenerateAsync(req, req.Recipient, call, Name, ct);

        // Returned, the private key is the response's, zeroed once serialised.
        return new GenerateDataKeyPairResponse(pair.PrivateKeyCiphertextBlob, pair.PrivateKey, pair.PublicKey, pair.KeyId, pair.Spec, pair.KeyMaterialId);
    }
}

/// <summary>A data key pair made and its private key sealed, before the operation decides what to return.</summary>
internal sealed record DataKeyPair(
    byte[] PrivateKey, byte[] PrivateKeyCiphertextBlob, byte[] PublicKey, string KeyId, DataKeyPairSpec Spec, string KeyMaterialId);

/// <summary>What both data-key-pair operations share: AWS's checks, the key pair (made inside the HSA) and the
/// private key sealed under the KMS key.</summary>
internal sealed class DataKeyPairs(KeyResolver keys, Authorizer authz, SymmetricEncryption symmetric, IHsa hsa)
{
    /// <summary>GenerateDataKeyPair and its WithoutPlaintext twin share their own quota (AWS KMS developer guide,
    /// "Request quotas"). AWS's default depends on the key pair spec (ECC 100, RSA_2048 20, RSA_3072 4, RSA_4096 1,
    /// SM2 25 per second); a quota here is charged before the request is read, so it has the largest of them.</summary>
    public static RequestQuota Quota => RequestQuota.Shared("GenerateDataKeyPair", 100);

    public static AuditProjection Project(GenerateDataKeyPairRequest r, string? keyMaterialId) =>
        new(
        new() { KeyId = r.KeyId, EncryptionContext = r.EncryptionContext, KeyPairSpec = r.KeyPairSpec, DryRun = r.DryRun },
        null,
        keyMaterialId is null ? null : new() { KeyMaterialId = keyMaterialId });

    /// <summary>Checks the request and the KMS key, then makes the pair; the caller owns (and zeroes) the private key.</summary>
    /// <remarks>Only GenerateDataKeyPair has <paramref name="recipient"/> in the model; its twin passes null.</remarks>
    public async Task<DataKeyPair> GenerateAsync(
        GenerateDataKeyPairRequest req, RecipientInfo? recipient, CallContext call, string operation, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.KeyPairSpec, "keyPairSpec").Enum<DataKeyPairSpec>(req.KeyPairSpec, "keyPairSpec")
            .GrantTokens(req.GrantTokens)
            .EncryptionContext(req.EncryptionContext, "encryptionContext")
            .Recipient(recipient)
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        var spec = WireNames<DataKeyPairSpec>.Parse(req.KeyPairSpec!);
        var keySpec = KeySpecs.Of(spec);
        if (!KeySpecs.IsOfferedIn(keySpec, call.Partition))
        {
            throw new UnsupportedOperationException($"KeyPairSpec {req.KeyPairSpec} is not supported in this Region");
        }

        if (!KeySchemes.Supports(keySpec))
        {
            throw new UnsupportedOperationException($"KmsService does not support KeyPairSpec {req.KeyPairSpec} yet.");
        }

        Common.RejectRecipient(recipient);

        var key = await keys.ResolveAsync(req.KeyId!, call, operation, ct);
        await authz.DemandAsync(call, operation, key, req.EncryptionContext, Conditions(req), ct);

        // Only a symmetric encryption key seals the private key: an RSA or SM2 encryption key is refused on its algorithm.
        EncryptionRules.EnsureCanUse(key, operation, algorithm: null);
        Common.ThrowIfDryRun(req.DryRun);

        var (privateKey, publicKey) = hsa.GenerateDataKeyPair(spec);
        try
        {
            var (blob, materialId) = await symmetric.EncryptAsync(key, privateKey, SymmetricEncryption.Context(req.EncryptionContext), ct);
            return new DataKeyPair(privateKey, blob, publicKey, key.Arn, spec, materialId);
        }
        catch
        {
            Secrets.Clear(privateKey);
            throw;
        }
    }

    // kms:DataKeyPairSpec lets a policy allow only some key pair specs (AWS KMS developer guide, condition keys).
    private static Action<Core.Policy.RequestContext> Conditions(GenerateDataKeyPairRequest req) => request =>
    {
        Authorizer.Cryptographic(req.KeyId, algorithm: null)(request);
        request.Set("kms:DataKeyPairSpec", req.KeyPairSpec!);
    };
}
