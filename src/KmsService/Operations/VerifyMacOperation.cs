using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record VerifyMacRequest(
    byte[]? Message,
    string? KeyId,
    string? MacAlgorithm,
    byte[]? Mac,
    IReadOnlyList<string>? GrantTokens,
    bool? DryRun) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Message);
}

/// <summary>VerifyMac's response: <see cref="MacValid"/> is always true; a MAC that does not verify is
/// KMSInvalidMacException, as on AWS.</summary>
internal sealed record VerifyMacResponse(string KeyId, bool MacValid, MacAlgorithmSpec MacAlgorithm);

/// <summary>VerifyMac: recomputes the HMAC of the message inside the HSA and compares it with the caller's in fixed
/// time.</summary>
internal sealed class VerifyMacOperation(KeyResolver keys, Authorizer authz, KeyStore store, IHsa hsa)
    : IKmsOperation<VerifyMacOperation, VerifyMacRequest, VerifyMacResponse>
{
    public static string Name => "VerifyMac";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<VerifyMacRequest> RequestType => KmsJsonContext.Default.VerifyMacRequest;
    public static JsonTypeInfo<VerifyMacResponse> ResponseType => KmsJsonContext.Default.VerifyMacResponse;
    public static bool ReadOnly => true;

    // ct-verifymac: requestParameters macAlgorithm and keyId, responseElements null.
    public static AuditProjection Project(VerifyMacRequest r, VerifyMacResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, MacAlgorithm = r.MacAlgorithm, DryRun = r.DryRun });

    public async Task<VerifyMacResponse> ExecuteAsync(VerifyMacRequest req, CallContext call, CancellationToken ct)
    {
        var v = new Validator();
        GenerateMacOperation.ValidateMacRequest(v, req.Message, req.KeyId, req.MacAlgorithm, req.GrantTokens);
        v.NotNull(req.Mac, "mac").Length(req.Mac, 1, 6144, "mac").ThrowIfAny();
        GrantTokens.EnsureWellFormed(req.GrantTokens);

        var key = await keys.ResolveAsync(req.KeyId!, call, Name, ct);
        await authz.DemandAsync(call, Name, key, encryptionContext: null, GenerateMacOperation.Conditions(req.KeyId, req.MacAlgorithm!), ct);
        var algorithm = GenerateMacOperation.EnsureCanMac(key, Name, req.MacAlgorithm!);
        Common.ThrowIfDryRun(req.DryRun);

        var backingKey = await store.CurrentAsync(key, ct);
        if (!hsa.VerifyMac(key.Arn, key.KeySpec, backingKey, algorithm, req.Message!, req.Mac!))
        {
            throw new KMSInvalidMacException();
        }

        return new VerifyMacResponse(key.Arn, true, algorithm);
    }
}
