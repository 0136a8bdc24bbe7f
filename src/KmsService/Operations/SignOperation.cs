using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record SignRequest(
    string? KeyId,
    byte[]? Message,
    string? MessageType,
    IReadOnlyList<string>? GrantTokens,
    string? SigningAlgorithm,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => SymmetricCrypto.Clear(Message);
}

internal sealed record SignResponse(string KeyId, byte[] Signature, SigningAlgorithmSpec SigningAlgorithm);

/// <summary>Sign: a signature of a message (RAW), a digest (DIGEST) or an ML-DSA μ (EXTERNAL_MU) with the private key
/// of an asymmetric SIGN_VERIFY key, in the form AWS returns it (DER for ECDSA and SM2DSA).</summary>
internal sealed class SignOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<SignOperation, SignRequest, SignResponse>
{
    public static string Name => "Sign";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<SignRequest> RequestType => KmsJsonContext.Default.SignRequest;
    public static JsonTypeInfo<SignResponse> ResponseType => KmsJsonContext.Default.SignResponse;
    public static bool ReadOnly => true;

    // ct-sign: requestParameters keyId, messageType, signingAlgorithm; no responseElements.
    public static AuditProjection Project(SignRequest r, SignResponse? s, CallContext call) =>
        new(new()
        {
            KeyId = r.KeyId,
            MessageType = r.MessageType ?? SigningRules.DefaultMessageType,
            SigningAlgorithm = r.SigningAlgorithm,
            DryRun = r.DryRun,
        });

    public async Task<SignResponse> ExecuteAsync(SignRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.Message, "message").Length(req.Message, 1, 4096, "message")
            .Enum<MessageType>(req.MessageType, "messageType")
            .GrantTokens(req.GrantTokens)
            .NotNull(req.SigningAlgorithm, "signingAlgorithm").Enum<SigningAlgorithmSpec>(req.SigningAlgorithm, "signingAlgorithm")
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
        var signature = hsa.Sign(key.Arn, key.KeySpec, backingKey, algorithm, messageType, req.Message);
        return new SignResponse(key.Arn, signature, algorithm);
    }
}
