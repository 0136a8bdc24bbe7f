using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record GenerateMacRequest(
    byte[]? Message,
    string? KeyId,
    string? MacAlgorithm,
    IReadOnlyList<string>? GrantTokens,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Message);
}

internal sealed record GenerateMacResponse(byte[] Mac, MacAlgorithmSpec MacAlgorithm, string KeyId);

/// <summary>GenerateMac: the HMAC (RFC 2104) of up to 4096 bytes under an HMAC key, with the one MAC algorithm of its
/// key spec.</summary>
internal sealed class GenerateMacOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<GenerateMacOperation, GenerateMacRequest, GenerateMacResponse>
{
    public static string Name => "GenerateMac";

    // GenerateMac and VerifyMac share the symmetric cryptographic quota (AWS KMS developer guide, "Request quotas").
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<GenerateMacRequest> RequestType => KmsJsonContext.Default.GenerateMacRequest;
    public static JsonTypeInfo<GenerateMacResponse> ResponseType => KmsJsonContext.Default.GenerateMacResponse;
    public static bool ReadOnly => true;

    // ct-generatemac: requestParameters keyId and macAlgorithm, responseElements null.
    public static AuditProjection Project(GenerateMacRequest r, GenerateMacResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, MacAlgorithm = r.MacAlgorithm, DryRun = r.DryRun });

    // The order AWS lists the enum in its validation message (recorded; a hash set's order, not the model's).
    private const string MacAlgorithmsAsListed = "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]";

    public async Task<GenerateMacResponse> ExecuteAsync(GenerateMacRequest req, CallContext call, CancellationToken ct)
    {
        var v = new Validator();
        ValidateMacRequest(v, req.Message, req.KeyId, req.MacAlgorithm, req.GrantTokens);
        v.ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var key = await keys.ResolveAsync(req.KeyId!, call, Name, ct);
        await authz.DemandAsync(call, Name, key, encryptionContext: null, Conditions(req.KeyId, req.MacAlgorithm!), ct);
        var algorithm = EnsureCanMac(key, Name, req.MacAlgorithm!);
        Common.ThrowIfDryRun(req.DryRun);

        var backingKey = await store.CurrentAsync(key, ct);
        var mac = hsa.GenerateMac(key.Arn, key.KeySpec, backingKey, algorithm, req.Message!);
        return new GenerateMacResponse(mac, algorithm, key.Arn);
    }

    /// <summary>The members GenerateMac and VerifyMac share: Message 1..4096 bytes, KeyId, MacAlgorithm (an enum),
    /// GrantTokens.</summary>
    internal static void ValidateMacRequest(Validator v, byte[]? message, string? keyId, string? macAlgorithm, IReadOnlyList<string>? grantTokens)
    {
        v.NotNull(message, "message").Length(message, 1, 4096, "message")
            .KeyId(keyId, "keyId")
            .NotNull(macAlgorithm, "macAlgorithm")
            .Check(
                macAlgorithm is null || WireNames<MacAlgorithmSpec>.TryParse(macAlgorithm, out _),
                $"Value '{Validator.Echo(macAlgorithm ?? string.Empty)}' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: {MacAlgorithmsAsListed}")
            .GrantTokens(grantTokens);
    }

    /// <summary>kms:MacAlgorithm and kms:RequestAlias.</summary>
    internal static Action<Core.Policy.RequestContext> Conditions(string? keyId, string macAlgorithm) =>
        Authorizer.Cryptographic(keyId, "kms:MacAlgorithm", macAlgorithm);

    /// <summary>The key-state, usage and algorithm rules of GenerateMac and VerifyMac, in AWS's order (usage before
    /// algorithm fit); returns the algorithm.</summary>
    internal static MacAlgorithmSpec EnsureCanMac(KmsKey key, string operation, string macAlgorithm)
    {
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.GenerateVerifyMac, operation);
        var algorithm = WireNames<MacAlgorithmSpec>.Parse(macAlgorithm);
        if (KeySpecs.MacAlgorithms(key.KeySpec)?.Contains(algorithm) != true)
        {
            throw BackingKeys.IncompatibleAlgorithm(macAlgorithm, key.KeySpec);
        }

        return algorithm;
    }
}
