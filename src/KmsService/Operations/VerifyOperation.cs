using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;

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
    public void ClearSecrets() => Secrets.Clear(Message);
}

internal sealed record VerifyResponse(string KeyId, bool SignatureValid, SigningAlgorithmSpec SigningAlgorithm);

/// <summary>Verify: checks a signature with the key pair's public key. A signature that does not verify, or does not
/// even parse, is KMSInvalidSignatureException without a message, as on AWS: the answer is never SignatureValid=false.</summary>
internal sealed class VerifyOperation(SigningKeys signingKeys, IHsa hsa)
    : IKmsOperation<VerifyOperation, VerifyRequest, VerifyResponse>
{
    public static string Name => "Verify";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<VerifyRequest> RequestType => KmsJsonContext.Default.VerifyRequest;
    public static JsonTypeInfo<VerifyResponse> ResponseType => KmsJsonContext.Default.VerifyResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(VerifyRequest r, VerifyResponse? s, CallContext call) =>
        SigningKeys.Project(r.KeyId, r.MessageType, r.SigningAlgorithm, r.DryRun);

    public async Task<VerifyResponse> ExecuteAsync(VerifyRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .SignedMessage(req.KeyId, req.Message, req.MessageType)
            .NotNull(req.Signature, "signature").Length(req.Signature, 1, 6144, "signature")
            .NotNull(req.SigningAlgorithm, "signingAlgorithm").Enum<SigningAlgorithmSpec>(req.SigningAlgorithm, "signingAlgorithm")
            .GrantTokens(req.GrantTokens)
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        var (key, backingKey, algorithm, messageType) = await signingKeys.FindAuthorizedAsync(
            Name, req.KeyId!, req.SigningAlgorithm!, req.MessageType, req.Message!.Length, req.DryRun, call, ct);

        if (!hsa.Verify(key.Arn, key.KeySpec, backingKey, algorithm, messageType, req.Message, req.Signature))
        {
            throw new KMSInvalidSignatureException();
        }

        return new VerifyResponse(key.Arn, SignatureValid: true, algorithm);
    }
}
