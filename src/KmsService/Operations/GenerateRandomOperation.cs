using System.Security.Cryptography;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record GenerateRandomRequest(int? NumberOfBytes, string? CustomKeyStoreId, RecipientInfo? Recipient);

internal sealed record GenerateRandomResponse(byte[] Plaintext) : IHoldsSecrets
{
    public void ClearSecrets() => Secrets.Clear(Plaintext);
}

/// <summary>GenerateRandom: 1..1024 bytes from the platform's cryptographic random generator.</summary>
internal sealed class GenerateRandomOperation(Authorizer authz) : IKmsOperation<GenerateRandomOperation, GenerateRandomRequest, GenerateRandomResponse>
{
    public static string Name => "GenerateRandom";
    public static RequestQuota Quota => RequestQuota.Cryptographic;
    public static JsonTypeInfo<GenerateRandomRequest> RequestType => KmsJsonContext.Default.GenerateRandomRequest;
    public static JsonTypeInfo<GenerateRandomResponse> ResponseType => KmsJsonContext.Default.GenerateRandomResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(GenerateRandomRequest r, GenerateRandomResponse? _, CallContext call) =>
        // CloudTrail logs no parameters of GenerateRandom ("requestParameters": null, ct-generaterandom).
        new(null);

    public Task<GenerateRandomResponse> ExecuteAsync(GenerateRandomRequest req, CallContext call, CancellationToken ct)
    {
        if (req.NumberOfBytes is null)
        {
            throw new ValidationException("NumberOfBytes is required.");
        }

        new Validator().Range(req.NumberOfBytes, 1, 1024, "numberOfBytes").Length(req.CustomKeyStoreId, 1, 64, "customKeyStoreId").ThrowIfAny();
        Common.RejectRecipient(req.Recipient);
        authz.DemandWithoutKey(call, "GenerateRandom");
        if (req.CustomKeyStoreId is not null)
        {
            throw new UnsupportedOperationException("KmsService does not support custom key stores.");
        }

        return Task.FromResult(new GenerateRandomResponse(RandomNumberGenerator.GetBytes(req.NumberOfBytes.Value)));
    }
}
