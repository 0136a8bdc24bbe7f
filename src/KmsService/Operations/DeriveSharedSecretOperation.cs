using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record DeriveSharedSecretRequest(
    string? KeyId,
    string? KeyAgreementAlgorithm,
    byte[]? PublicKey,
    IReadOnlyList<string>? GrantTokens,
    bool? DryRun,
    RecipientInfo? Recipient);

internal sealed record DeriveSharedSecretResponse(
    string KeyId,
    byte[] SharedSecret,
    KeyAgreementAlgorithmSpec KeyAgreementAlgorithm,
    OriginType KeyOrigin) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(SharedSecret);
}

/// <summary>DeriveSharedSecret: the raw ECDH shared secret (NIST SP 800-56A, the x-coordinate, as OpenSSL derives it)
/// of a KEY_AGREEMENT key's private key and the peer's public key, a DER SubjectPublicKeyInfo on the same curve.</summary>
internal sealed class DeriveSharedSecretOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<DeriveSharedSecretOperation, DeriveSharedSecretRequest, DeriveSharedSecretResponse>
{
    public static string Name => "DeriveSharedSecret";

    // AWS counts it against the quota of the key's type ("Cryptographic operations (ECC) request rate", 300 per second,
    // shared with Sign and Verify on ECC keys); here it has that rate on its own.
    public static RequestQuota Quota => RequestQuota.PerSecond(300);
    public static JsonTypeInfo<DeriveSharedSecretRequest> RequestType => KmsJsonContext.Default.DeriveSharedSecretRequest;
    public static JsonTypeInfo<DeriveSharedSecretResponse> ResponseType => KmsJsonContext.Default.DeriveSharedSecretResponse;
    public static bool ReadOnly => true;

    // The peer's public key is not recorded (a blob), as CloudTrail omits blobs.
    public static AuditProjection Project(DeriveSharedSecretRequest r, DeriveSharedSecretResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, KeyAgreementAlgorithm = r.KeyAgreementAlgorithm, DryRun = r.DryRun });

    public async Task<DeriveSharedSecretResponse> ExecuteAsync(DeriveSharedSecretRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.KeyAgreementAlgorithm, "keyAgreementAlgorithm")
            .Enum<KeyAgreementAlgorithmSpec>(req.KeyAgreementAlgorithm, "keyAgreementAlgorithm")
            .NotNull(req.PublicKey, "publicKey").Length(req.PublicKey, 1, 8192, "publicKey")
            .GrantTokens(req.GrantTokens)
            .Recipient(req.Recipient)
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        Common.RejectRecipient(req.Recipient);

        var key = await keys.ResolveAsync(req.KeyId!, call, Name, ct);
        await authz.DemandAsync(
            call, Name, key, encryptionContext: null, Authorizer.Cryptographic(req.KeyId, "kms:KeyAgreementAlgorithm", req.KeyAgreementAlgorithm!), ct);
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.KeyAgreement, Name);
        var algorithm = WireNames<KeyAgreementAlgorithmSpec>.Parse(req.KeyAgreementAlgorithm!);
        if (KeySpecs.KeyAgreementAlgorithms(key.KeySpec, key.KeyUsage)?.Contains(algorithm) != true)
        {
            throw BackingKeys.IncompatibleAlgorithm(req.KeyAgreementAlgorithm!, key.KeySpec);
        }

        Common.ThrowIfDryRun(req.DryRun);

        var backingKey = await store.CurrentAsync(key, ct);
        byte[] secret;
        try
        {
            secret = hsa.DeriveSharedSecret(key.Arn, key.KeySpec, backingKey, req.PublicKey!);
        }
        catch (ArgumentException)
        {
            // Not a DER SubjectPublicKeyInfo, or not a point of the key's curve: AWS answers ValidationException with
            // no message (recorded for a malformed key).
            throw new ValidationException();
        }

        return new DeriveSharedSecretResponse(key.Arn, secret, algorithm, key.Origin);
    }
}
