using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record SignRequest(
    string? KeyId,
    byte[]? Message,
    string? MessageType,
    IReadOnlyList<string>? GrantTokens,
    string? SigningAlgorithm,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Message);
}

internal sealed record SignResponse(string KeyId, byte[] Signature, SigningAlgorithmSpec SigningAlgorithm);

/// <summary>Sign: a signature of a message (RAW), a digest (DIGEST) or an ML-DSA μ (EXTERNAL_MU) with the private key
/// of an asymmetric SIGN_VERIFY key, in the form AWS returns it (DER for ECDSA and SM2DSA).</summary>
internal sealed class SignOperation(SigningKeys signingKeys, IHsa hsa)
    : IKmsOperation<SignOperation, SignRequest, SignResponse>
{
    public static string Name => "Sign";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<SignRequest> RequestType => KmsJsonContext.Default.SignRequest;
    public static JsonTypeInfo<SignResponse> ResponseType => KmsJsonContext.Default.SignResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(SignRequest r, SignResponse? s, CallContext call) =>
        SigningKeys.Project(r.KeyId, r.MessageType, r.SigningAlgorithm, r.DryRun);

    public async Task<SignResponse> ExecuteAsync(SignRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .SignedMessage(req.KeyId, req.Message, req.MessageType)
            .GrantTokens(req.GrantTokens)
            .NotNull(req.SigningAlgorithm, "signingAlgorithm").Enum<SigningAlgorithmSpec>(req.SigningAlgorithm, "signingAlgorithm")
            .ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);
        var (key, backingKey, algorithm, messageType) = await signingKeys.FindAuthorizedAsync(
            Name, req.KeyId!, req.SigningAlgorithm!, req.MessageType, req.Message!.Length, req.DryRun, call, ct);

        var signature = hsa.Sign(key.Arn, key.KeySpec, backingKey, algorithm, messageType, req.Message);
        return new SignResponse(key.Arn, signature, algorithm);
    }
}
