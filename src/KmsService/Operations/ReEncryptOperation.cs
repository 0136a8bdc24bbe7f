using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
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
    string? SourceKeyMaterialId,
    string? DestinationKeyMaterialId);

/// <summary>ReEncrypt: decrypts under the source key and encrypts under the destination key without the
/// plaintext leaving the service. Either key may be a key pair (RSA or SM2), with its algorithm.</summary>
internal sealed class ReEncryptOperation(
    KeyResolver keys, Authorizer authz, CiphertextOpener opener, SymmetricEncryption symmetric, AsymmetricEncryption asymmetric)
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

        var source = await OpenSourceAsync(req, call, ct);

        var destination = await keys.ResolveAsync(req.DestinationKeyId!, call, "ReEncryptTo", ct);
        await authz.DemandAsync(
            call, "ReEncryptTo", destination, req.DestinationEncryptionContext, Authorizer.Cryptographic(req.DestinationKeyId, req.DestinationEncryptionAlgorithm), ct);
        var destinationAlgorithm = EncryptionRules.EnsureCanUse(destination, "ReEncrypt", req.DestinationEncryptionAlgorithm);
        if (destinationAlgorithm != EncryptionAlgorithmSpec.SymmetricDefault)
        {
            EncryptionRules.EnsureNoEncryptionContext(req.DestinationEncryptionContext, "DestinationEncryptionContext");
        }

        Common.ThrowIfDryRun(req.DryRun);

        var plaintext = source.Header is { } header
            ? await symmetric.DecryptAsync(source.Key, header, req.CiphertextBlob!, SymmetricEncryption.Context(req.SourceEncryptionContext), ct)
            : await asymmetric.DecryptAsync(source.Key, source.Algorithm, req.CiphertextBlob!, ct);
        try
        {
            var (blob, materialId) = await EncryptAsync(destination, destinationAlgorithm, plaintext, req.DestinationEncryptionContext, ct);
            return new ReEncryptResponse(
                blob, source.Key.Arn, destination.Arn, source.Algorithm, destinationAlgorithm, source.Header?.MaterialId, materialId);
        }
        finally
        {
            Secrets.Clear(plaintext);
        }
    }

    /// <summary>The source key and algorithm: the key pair SourceKeyId names for a raw asymmetric ciphertext, else the
    /// symmetric key the blob names (which SourceKeyId, if given, must name too) and the blob's header.</summary>
    private async Task<(KmsKey Key, EncryptionAlgorithmSpec Algorithm, CiphertextHeader? Header)> OpenSourceAsync(
        ReEncryptRequest req, CallContext call, CancellationToken ct)
    {
        var conditions = Authorizer.Cryptographic(req.SourceKeyId, req.SourceEncryptionAlgorithm);
        var named = req.SourceKeyId is null ? null : await keys.ResolveAsync(req.SourceKeyId, call, "ReEncryptFrom", ct);
        if (named is not null && KeySpecs.IsAsymmetric(named.KeySpec))
        {
            await authz.DemandAsync(call, "ReEncryptFrom", named, req.SourceEncryptionContext, conditions, ct);
            var algorithm = EncryptionRules.EnsureCanUse(named, "ReEncrypt", req.SourceEncryptionAlgorithm);
            EncryptionRules.EnsureNoEncryptionContext(req.SourceEncryptionContext, "SourceEncryptionContext");
            return (named, algorithm, null);
        }

        var (key, header) = await opener.FindKeyAsync(req.CiphertextBlob!, call, ct);
        await authz.DemandAsync(call, "ReEncryptFrom", key, req.SourceEncryptionContext, conditions, ct);
        if (named is not null && named.Arn != key.Arn)
        {
            throw new IncorrectKeyException(DecryptOperation.IncorrectKeyMessage);
        }

        return (key, EncryptionRules.EnsureCanUse(key, "ReEncrypt", req.SourceEncryptionAlgorithm), header);
    }

    private async Task<(byte[] Blob, string? MaterialId)> EncryptAsync(
        KmsKey destination, EncryptionAlgorithmSpec algorithm, byte[] plaintext, IReadOnlyDictionary<string, string>? context, CancellationToken ct)
    {
        if (algorithm == EncryptionAlgorithmSpec.SymmetricDefault)
        {
            return await symmetric.EncryptAsync(destination, plaintext, SymmetricEncryption.Context(context), ct);
        }

        EncryptionRules.EnsurePlaintextFits(destination, algorithm, plaintext.Length);
        return (await asymmetric.EncryptAsync(destination, algorithm, plaintext, ct), null);
    }
}
