using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record GenerateDataKeyPairWithoutPlaintextResponse(
    byte[] PrivateKeyCiphertextBlob,
    byte[] PublicKey,
    string KeyId,
    DataKeyPairSpec KeyPairSpec,
    string KeyMaterialId);

/// <summary>GenerateDataKeyPairWithoutPlaintext: as GenerateDataKeyPair, but the private key is returned only
/// encrypted under the KMS key.</summary>
internal sealed class GenerateDataKeyPairWithoutPlaintextOperation(DataKeyPairs pairs)
    : IKmsOperation<GenerateDataKeyPairWithoutPlaintextOperation, GenerateDataKeyPairRequest, GenerateDataKeyPairWithoutPlaintextResponse>
{
    public static string Name => "GenerateDataKeyPairWithoutPlaintext";
    public static RequestQuota Quota => DataKeyPairs.Quota;
    public static JsonTypeInfo<GenerateDataKeyPairRequest> RequestType => KmsJsonContext.Default.GenerateDataKeyPairRequest;
    public static JsonTypeInfo<GenerateDataKeyPairWithoutPlaintextResponse> ResponseType =>
        KmsJsonContext.Default.GenerateDataKeyPairWithoutPlaintextResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GenerateDataKeyPairRequest r, GenerateDataKeyPairWithoutPlaintextResponse? s, CallContext call) =>
        DataKeyPairs.Project(r, s?.KeyMaterialId);

    public async Task<GenerateDataKeyPairWithoutPlaintextResponse> ExecuteAsync(
        GenerateDataKeyPairRequest req, CallContext call, CancellationToken ct)
    {
        var pair = await pairs.GenerateAsync(req, recipient: null, call, Name, ct);
        Secrets.Clear(pair.PrivateKey);
        return new GenerateDataKeyPairWithoutPlaintextResponse(pair.PrivateKeyCiphertextBlob, pair.PublicKey, pair.KeyId, pair.Spec, pair.KeyMaterialId);
    }
}
