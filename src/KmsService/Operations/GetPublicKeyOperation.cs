using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record GetPublicKeyRequest(string? KeyId, IReadOnlyList<string>? GrantTokens);

/// <summary>GetPublicKey's response: the algorithm list of the key's usage only, as KeyMetadata lists it.</summary>
internal sealed record GetPublicKeyResponse(
    string KeyId,
    byte[] PublicKey,
    KeySpec CustomerMasterKeySpec,
    KeySpec KeySpec,
    KeyUsageType KeyUsage,
    IReadOnlyList<EncryptionAlgorithmSpec>? EncryptionAlgorithms,
    IReadOnlyList<SigningAlgorithmSpec>? SigningAlgorithms,
    IReadOnlyList<KeyAgreementAlgorithmSpec>? KeyAgreementAlgorithms);

/// <summary>GetPublicKey: the public key of an asymmetric key as DER SubjectPublicKeyInfo, with what it is for.</summary>
internal sealed class GetPublicKeyOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<GetPublicKeyOperation, GetPublicKeyRequest, GetPublicKeyResponse>
{
    public static string Name => "GetPublicKey";

    // AWS gives GetPublicKey a quota of its own (KMS Developer Guide, "Request quotas": 2,000 per second).
    public static RequestQuota Quota => RequestQuota.PerSecond(2000);
    public static JsonTypeInfo<GetPublicKeyRequest> RequestType => KmsJsonContext.Default.GetPublicKeyRequest;
    public static JsonTypeInfo<GetPublicKeyResponse> ResponseType => KmsJsonContext.Default.GetPublicKeyResponse;
    public static bool ReadOnly => true;

    // ct-getpublickey: requestParameters keyId only; no responseElements.
    public static AuditProjection Project(GetPublicKeyRequest r, GetPublicKeyResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId });

    public async Task<GetPublicKeyResponse> ExecuteAsync(GetPublicKeyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").GrantTokens(req.GrantTokens).ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var key = await keys.ResolveAsync(req.KeyId!, call, Name, ct);
        await authz.DemandAsync(call, Name, key, encryptionContext: null, Authorizer.RequestAlias(req.KeyId), ct);

        // The state before the spec, as AWS checks its other operations (a disabled key is DisabledException).
        key.EnsureUsableForCryptography();
        if (!KeySpecs.IsAsymmetric(key.KeySpec))
        {
            throw new UnsupportedOperationException(
                $"{key.Arn} key spec {key.KeySpec.Name()} has no public key: GetPublicKey works only on asymmetric KMS keys.");
        }

        var backingKey = await store.CurrentAsync(key, ct);
        return new GetPublicKeyResponse(
            key.Arn,
            hsa.GetPublicKey(key.Arn, key.KeySpec, backingKey),
            key.KeySpec,
            key.KeySpec,
            key.KeyUsage,
            KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage),
            KeySpecs.SigningAlgorithms(key.KeySpec, key.KeyUsage),
            KeySpecs.KeyAgreementAlgorithms(key.KeySpec, key.KeyUsage));
    }
}
