using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record ReEncryptRequest(
    byte[]? CiphertextBlob,
    Dictionary<string, string>? SourceEncryptionContext,
    string? SourceKeyId,
    string? DestinationKeyId,
    Dictionary<string, string>? DestinationEncryptionContext,
    string? SourceEncryptionAlgorithm,
    string? DestinationEncryptionAlgorithm,
    IReadOnlyList<string>? GrantTokens,
    bool? DryRun,
    IReadOnlyList<string>? DryRunModifiers);

internal sealed record ReEncryptResponse(
    byte[] CiphertextBlob,
    string SourceKeyId,
    string KeyId,
    EncryptionAlgorithmSpec SourceEncryptionAlgorithm,
    EncryptionAlgorithmSpec DestinationEncryptionAlgorithm,
    string SourceKeyMaterialId,
    string DestinationKeyMaterialId);

/// <summary>ReEncrypt: decrypts under the source key and encrypts under the destination key without the
/// plaintext leaving the service.</summary>
internal sealed class ReEncryptOperation(KeyResolver keys, Authorizer authz, SymmetricCrypto crypto)
    : IKmsOperation<ReEncryptOperation, ReEncryptRequest, ReEncryptResponse>
{
    public static string Name => "ReEncrypt";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<ReEncryptRequest> RequestType => KmsJsonContext.Default.ReEncryptRequest;
    public static JsonTypeInfo<ReEncryptResponse> ResponseType => KmsJsonContext.Default.ReEncryptResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ReEncryptRequest r, ReEncryptResponse? s, CallContext call) =>
        new(new()
        {
            SourceKeyId = r.SourceKeyId,
            DestinationKeyId = r.DestinationKeyId,
            SourceEncryptionContext = r.SourceEncryptionContext,
            DestinationEncryptionContext = r.DestinationEncryptionContext,
            // Both algorithms are recorded also when left to the default (ct-reencrypt).
            SourceEncryptionAlgorithm = r.SourceEncryptionAlgorithm ?? AuditCopy.SymmetricDefault,
            DestinationEncryptionAlgorithm = r.DestinationEncryptionAlgorithm ?? AuditCopy.SymmetricDefault,
            DryRun = r.DryRun,
        },
        null,
        s is null ? null : new() { SourceKeyMaterialId = s.SourceKeyMaterialId, DestinationKeyMaterialId = s.DestinationKeyMaterialId });

    public async Task<ReEncryptResponse> ExecuteAsync(ReEncryptRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .NotNull(req.CiphertextBlob, "ciphertextBlob").Length(req.CiphertextBlob, 1, 6144, "ciphertextBlob")
            .Length(req.SourceKeyId, 1, Common.MaxKeyIdLength, "sourceKeyId")
            .KeyId(req.DestinationKeyId, "destinationKeyId")
            .Enum<EncryptionAlgorithmSpec>(req.SourceEncryptionAlgorithm, "sourceEncryptionAlgorithm")
            .Enum<EncryptionAlgorithmSpec>(req.DestinationEncryptionAlgorithm, "destinationEncryptionAlgorithm")
            .GrantTokens(req.GrantTokens)
            .EncryptionContext(req.SourceEncryptionContext, "sourceEncryptionContext")
            .EncryptionContext(req.DestinationEncryptionContext, "destinationEncryptionContext")
            .Count(req.DryRunModifiers, 0, 0, "dryRunModifiers")
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var named = req.SourceKeyId is null ? null : await keys.ResolveAsync(req.SourceKeyId, call, "ReEncryptFrom", ct);
        var (source, header) = await crypto.OpenAsync(req.CiphertextBlob!, call, "ReEncryptFrom", req.SourceEncryptionContext, ct);
        if (named is not null && named.Arn != source.Arn)
        {
            throw new IncorrectKeyException(DecryptOperation.IncorrectKeyMessage);
        }

        source.EnsureUsableForCryptography();
        source.EnsureUsage(KeyUsageType.EncryptDecrypt, "ReEncrypt");
        SymmetricCrypto.EnsureAlgorithm(source, req.SourceEncryptionAlgorithm);

        var destination = await keys.ResolveAsync(req.DestinationKeyId!, call, "ReEncryptTo", ct);
        await authz.DemandAsync(call, "ReEncryptTo", destination, req.DestinationEncryptionContext, conditions: null, ct);
        SymmetricCrypto.EnsureCanEncrypt(destination, "ReEncrypt", req.DestinationEncryptionAlgorithm);
        Common.ThrowIfDryRun(req.DryRun);

        var plaintext = await crypto.DecryptAsync(source, header, req.CiphertextBlob!, SymmetricCrypto.Context(req.SourceEncryptionContext), ct);
        try
        {
            var (blob, materialId) = await crypto.EncryptAsync(destination, plaintext, SymmetricCrypto.Context(req.DestinationEncryptionContext), ct);
            return new ReEncryptResponse(
                blob,
                source.Arn,
                destination.Arn,
                EncryptionAlgorithmSpec.SymmetricDefault,
                EncryptionAlgorithmSpec.SymmetricDefault,
                header.MaterialId,
                materialId);
        }
        finally
        {
            SymmetricCrypto.Clear(plaintext);
        }
    }
}
