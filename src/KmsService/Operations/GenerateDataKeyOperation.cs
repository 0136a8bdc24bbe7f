using System.Security.Cryptography;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record GenerateDataKeyRequest(
    string? KeyId,
    Dictionary<string, string>? EncryptionContext,
    int? NumberOfBytes,
    string? KeySpec,
    IReadOnlyList<string>? GrantTokens,
    RecipientInfo? Recipient,
    bool? DryRun);

internal sealed record GenerateDataKeyResponse(byte[] CiphertextBlob, byte[] Plaintext, string KeyId, string KeyMaterialId)
    : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Plaintext);
}

internal sealed record GenerateDataKeyWithoutPlaintextResponse(byte[] CiphertextBlob, string KeyId, string KeyMaterialId);

/// <summary>GenerateDataKey: a fresh random data key, returned in plaintext and encrypted under the KMS key.</summary>
internal sealed class GenerateDataKeyOperation(KeyResolver keys, Authorizer authz, SymmetricEncryption symmetric)
    : IKmsOperation<GenerateDataKeyOperation, GenerateDataKeyRequest, GenerateDataKeyResponse>
{
    public static string Name => "GenerateDataKey";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<GenerateDataKeyRequest> RequestType => KmsJsonContext.Default.GenerateDataKeyRequest;
    public static JsonTypeInfo<GenerateDataKeyResponse> ResponseType => KmsJsonContext.Default.GenerateDataKeyResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GenerateDataKeyRequest r, GenerateDataKeyResponse? s, CallContext call) =>
        new(
        new() { KeyId = r.KeyId, EncryptionContext = r.EncryptionContext, KeySpec = r.KeySpec, NumberOfBytes = r.NumberOfBytes, DryRun = r.DryRun },
        null,
        s is null ? null : new() { KeyMaterialId = s.KeyMaterialId });

    public async Task<GenerateDataKeyResponse> ExecuteAsync(GenerateDataKeyRequest req, CallContext call, CancellationToken ct)
    {
        var (key, plaintext) = await DataKeys.PrepareAsync(req, call, "GenerateDataKey", keys, authz, ct);
        try
        {
            var (blob, materialId) = await symmetric.EncryptAsync(key, plaintext, SymmetricEncryption.Context(req.EncryptionContext), ct);
            return new GenerateDataKeyResponse(blob, plaintext, key.Arn, materialId);
        }
        catch
        {
            // Returned, the data key is the response's, zeroed once serialised; not returned, it is nobody's.
            Secrets.Clear(plaintext);
            throw;
        }
    }
}

/// <summary>GenerateDataKeyWithoutPlaintext: as GenerateDataKey, but only the encrypted copy is returned.</summary>
internal sealed class GenerateDataKeyWithoutPlaintextOperation(KeyResolver keys, Authorizer authz, SymmetricEncryption symmetric)
    : IKmsOperation<GenerateDataKeyWithoutPlaintextOperation, GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextResponse>
{
    public static string Name => "GenerateDataKeyWithoutPlaintext";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<GenerateDataKeyRequest> RequestType => KmsJsonContext.Default.GenerateDataKeyRequest;
    public static JsonTypeInfo<GenerateDataKeyWithoutPlaintextResponse> ResponseType => KmsJsonContext.Default.GenerateDataKeyWithoutPlaintextResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GenerateDataKeyRequest r, GenerateDataKeyWithoutPlaintextResponse? s, CallContext call) =>
        new(
        new() { KeyId = r.KeyId, EncryptionContext = r.EncryptionContext, KeySpec = r.KeySpec, NumberOfBytes = r.NumberOfBytes, DryRun = r.DryRun },
        null,
        s is null ? null : new() { KeyMaterialId = s.KeyMaterialId });

    public async Task<GenerateDataKeyWithoutPlaintextResponse> ExecuteAsync(GenerateDataKeyRequest req, CallContext call, CancellationToken ct)
    {
        var (key, plaintext) = await DataKeys.PrepareAsync(req, call, "GenerateDataKeyWithoutPlaintext", keys, authz, ct);
        try
        {
            var (blob, materialId) = await symmetric.EncryptAsync(key, plaintext, SymmetricEncryption.Context(req.EncryptionContext), ct);
            return new GenerateDataKeyWithoutPlaintextResponse(blob, key.Arn, materialId);
        }
        finally
        {
            Secrets.Clear(plaintext);
        }
    }
}

/// <summary>The checks both data-key operations share, and the data key itself.</summary>
internal static class DataKeys
{
    public static async Task<(KmsKey Key, byte[] Plaintext)> PrepareAsync(
        GenerateDataKeyRequest req, CallContext call, string operation, KeyResolver keys, Authorizer authz, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .Range(req.NumberOfBytes, 1, 1024, "numberOfBytes")
            .Enum<DataKeySpec>(req.KeySpec, "keySpec")
            .GrantTokens(req.GrantTokens)
            .EncryptionContext(req.EncryptionContext, "encryptionContext")
            .Recipient(req.Recipient)
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        if ((req.KeySpec is null) == (req.NumberOfBytes is null))
        {
            throw new ValidationException("Please specify either number of bytes or key spec.");
        }

        Common.RejectRecipient(req.Recipient);

        var key = await keys.ResolveAsync(req.KeyId!, call, operation, ct);
        await authz.DemandAsync(call, operation, key, req.EncryptionContext, Authorizer.Cryptographic(req.KeyId, algorithm: null), ct);
        EncryptionRules.EnsureCanUse(key, operation, algorithm: null);
        Common.ThrowIfDryRun(req.DryRun);

        var length = req.NumberOfBytes ?? (req.KeySpec == "AES_128" ? 16 : 32);
        return (key, RandomNumberGenerator.GetBytes(length));
    }
}
