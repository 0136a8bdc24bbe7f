using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record EncryptRequest(
    string? KeyId,
    byte[]? Plaintext,
    Dictionary<string, string>? EncryptionContext,
    IReadOnlyList<string>? GrantTokens,
    string? EncryptionAlgorithm,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Plaintext);
}

/// <summary>Encrypt's response; <see cref="KeyMaterialId"/> is not in the model's output and is not sent: CloudTrail logs
/// it as <c>additionalEventData.keyMaterialId</c>.</summary>
internal sealed record EncryptResponse(
    byte[] CiphertextBlob,
    string KeyId,
    EncryptionAlgorithmSpec EncryptionAlgorithm,
    [property: JsonIgnore] string? KeyMaterialId = null);

/// <summary>Encrypt: up to 4096 bytes under a symmetric key, bound to the encryption context; or, with an RSA or SM2
/// key pair and its algorithm, a few hundred bytes under the public key.</summary>
internal sealed class EncryptOperation(KeyResolver keys, Authorizer authz, SymmetricEncryption symmetric, AsymmetricEncryption asymmetric)
    : IKmsOperation<EncryptOperation, EncryptRequest, EncryptResponse>
{
    public static string Name => "Encrypt";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<EncryptRequest> RequestType => KmsJsonContext.Default.EncryptRequest;
    public static JsonTypeInfo<EncryptResponse> ResponseType => KmsJsonContext.Default.EncryptResponse;
    public static bool ReadOnly => true;

    // CloudTrail records the algorithm also when the request left it to the default (ct-encrypt).
    public static AuditProjection Project(EncryptRequest r, EncryptResponse? s, CallContext call) =>
        new(
        new() { KeyId = r.KeyId, EncryptionContext = r.EncryptionContext, EncryptionAlgorithm = r.EncryptionAlgorithm ?? AuditCopy.SymmetricDefault, DryRun = r.DryRun },
        null,
        s is null ? null : new() { KeyMaterialId = s.KeyMaterialId });

    public async Task<EncryptResponse> ExecuteAsync(EncryptRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.Plaintext, "plaintext").Length(req.Plaintext, 1, 4096, "plaintext")
            .GrantTokens(req.GrantTokens)
            .EncryptionContext(req.EncryptionContext, "encryptionContext")
            .Enum<EncryptionAlgorithmSpec>(req.EncryptionAlgorithm, "encryptionAlgorithm")
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var key = await keys.ResolveAsync(req.KeyId!, call, "Encrypt", ct);
        await authz.DemandAsync(call, "Encrypt", key, req.EncryptionContext, Authorizer.Cryptographic(req.KeyId, req.EncryptionAlgorithm), ct);
        var algorithm = EncryptionRules.EnsureCanUse(key, "Encrypt", req.EncryptionAlgorithm);
        if (algorithm == EncryptionAlgorithmSpec.SymmetricDefault)
        {
            Common.ThrowIfDryRun(req.DryRun);
            var (blob, materialId) = await symmetric.EncryptAsync(key, req.Plaintext!, SymmetricEncryption.Context(req.EncryptionContext), ct);
            return new EncryptResponse(blob, key.Arn, algorithm, materialId);
        }

        EncryptionRules.EnsureNoEncryptionContext(req.EncryptionContext, "EncryptionContext");
        EncryptionRules.EnsurePlaintextFits(key, algorithm, req.Plaintext!.Length);
        Common.ThrowIfDryRun(req.DryRun);
        return new EncryptResponse(await asymmetric.EncryptAsync(key, algorithm, req.Plaintext, ct), key.Arn, algorithm);
    }
}
