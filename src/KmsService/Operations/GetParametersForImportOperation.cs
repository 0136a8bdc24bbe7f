using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record GetParametersForImportRequest(string? KeyId, string? WrappingAlgorithm, string? WrappingKeySpec);

internal sealed record GetParametersForImportResponse(string KeyId, byte[] ImportToken, byte[] PublicKey, DateTimeOffset ParametersValidTo);

/// <summary>GetParametersForImport: a fresh wrapping key pair made in the HSA, its public key, and an import token that
/// carries the private key sealed under the root key and bound to the key ARN, both valid for 24 hours.</summary>
internal sealed class GetParametersForImportOperation(KeyResolver keys, Authorizer authz, IHsa hsa, TimeProvider time)
    : IKmsOperation<GetParametersForImportOperation, GetParametersForImportRequest, GetParametersForImportResponse>
{
    public static string Name => "GetParametersForImport";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<GetParametersForImportRequest> RequestType => KmsJsonContext.Default.GetParametersForImportRequest;
    public static JsonTypeInfo<GetParametersForImportResponse> ResponseType => KmsJsonContext.Default.GetParametersForImportResponse;
    public static bool ReadOnly => true;

    // CloudTrail logs the request's names only (ct-getparametersforimport): never the token or the public key.
    public static AuditProjection Project(GetParametersForImportRequest r, GetParametersForImportResponse? s, CallContext call) =>
        new(new() { KeyId = r.KeyId, WrappingAlgorithm = r.WrappingAlgorithm, WrappingKeySpec = r.WrappingKeySpec });

    public async Task<GetParametersForImportResponse> ExecuteAsync(GetParametersForImportRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.WrappingAlgorithm, "wrappingAlgorithm")
            .Enum<AlgorithmSpec>(req.WrappingAlgorithm, "wrappingAlgorithm")
            .NotNull(req.WrappingKeySpec, "wrappingKeySpec")
            .Enum<WrappingKeySpec>(req.WrappingKeySpec, "wrappingKeySpec")
            .ThrowIfAny();
        var algorithm = WireNames<AlgorithmSpec>.Parse(req.WrappingAlgorithm!);
        var spec = WireNames<WrappingKeySpec>.Parse(req.WrappingKeySpec!);

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);
        authz.Demand(call, Name, key, conditions: r => r
            .Set("kms:WrappingAlgorithm", req.WrappingAlgorithm!)
            .Set("kms:WrappingKeySpec", req.WrappingKeySpec!));
        key.EnsureImportAllowed();
        ImportRules.CheckWrapping(algorithm, spec, call.Partition);

        var validTo = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().Add(ImportRules.ParametersLifetime).ToUnixTimeMilliseconds());
        var parameters = hsa.CreateImportParameters(key.Arn, algorithm, spec, validTo);
        return new GetParametersForImportResponse(key.Arn, parameters.ImportToken, parameters.PublicKey, validTo);
    }
}
