using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record VerifyRequest(
    string? KeyId,
    byte[]? Message,
    string? MessageType,
    byte[]? Signature,
    string? SigningAlgorithm,
    IReadOnlyList<string>? GrantTokens,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => SymmetricCrypto.Clear(Message);
}

internal sealed record VerifyResponse(string KeyId, bool SignatureValid, SigningAlgorithmSpec SigningAlgorithm);

/// <summary>Verify: checks a signature with the key pair's public key. A signature that does not verify, or does not
/// even parse, is KMSInvalidSignatureException without a message, as on AWS: the answer is never SignatureValid=false.</summary>
internal sealed class VerifyOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<VerifyOperation, VerifyRequest, VerifyResponse>
{
    public static string Name => "Verify";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<VerifyRequest> RequestType => KmsJsonContext.Default.VerifyRequest;
    public static JsonTypeInfo<VerifyResponse> ResponseType => KmsJsonContext.Default.VerifyResponse;
    public static bool ReadOnly => true;

    // ct-verify: requestParameters keyId, messageType, signingAlgorithm; no responseElements.
    public static AuditProjection Project(VerifyRequest r, VerifyResponse? s, CallContext call) =>
        new(new()
        {
            KeyId = r.KeyId,
            MessageType = r.MessageType ?? SigningRules.DefaultMessageType,
            SigningAlgorithm = r.SigningAlgorithm,
            DryRun = r.DryRun,
        });

    public async Task<VerifyResponse> ExecuteAsync(VerifyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.Message, "message").Length(req.Message, 1, 4096, "message")
            .Enum<MessageType>(req.MessageType, "messageType")
            .NotNull(req.Signature, "signature").Length(req.Signature, 1, 6144, "signature")
            .NotNull(req.SigningAlgorithm, "signingAlgorithm").Enum<SigningAlgorithmSpec>(req.SigningAlgorithm, "signingAlgorithm")
            .GrantTokens(req.GrantTokens)
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        var algorithm = WireNames<SigningAlgorithmSpec>.Parse(req.SigningAlgorithm!);
        var messageType = WireNames<MessageType>.Parse(req.MessageType ?? SigningRules.DefaultMessageType);

        var key = await keys.ResolveAsync(req.KeyId!, call, Name, ct);
        await authz.DemandAsync(
            call, Name, key, encryptionContext: null,
            Authorizer.Signing(req.KeyId, req.SigningAlgorithm!, WireNames<MessageType>.Name(messageType)), ct);
        SigningRules.EnsureCanSign(key, Name, algorithm, messageType, req.Message!.Length);
        Common.ThrowIfDryRun(req.DryRun);

        var backingKey = await store.CurrentAsync(key, ct);
        if (!hsa.Verify(key.Arn, key.KeySpec, backingKey, algorithm, messageType, req.Message, req.Signature))
        {
            throw new KMSInvalidSignatureException();
        }

        return new VerifyResponse(key.Arn, SignatureValid: true, algorithm);
    }
}
