using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record DisconnectCustomKeyStoreRequest(string? CustomKeyStoreId);

/// <summary>DisconnectCustomKeyStore: validated and authorized (kms:DisconnectCustomKeyStore, IAM policy); the account
/// has no custom key store, so the id names none: CustomKeyStoreNotFoundException.</summary>
internal sealed class DisconnectCustomKeyStoreOperation(Authorizer authz)
    : IKmsOperation<DisconnectCustomKeyStoreOperation, DisconnectCustomKeyStoreRequest, EmptyResponse>
{
    public static string Name => "DisconnectCustomKeyStore";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<DisconnectCustomKeyStoreRequest> RequestType => KmsJsonContext.Default.DisconnectCustomKeyStoreRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(DisconnectCustomKeyStoreRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { CustomKeyStoreId = r.CustomKeyStoreId });

    public Task<EmptyResponse> ExecuteAsync(DisconnectCustomKeyStoreRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().CustomKeyStoreId(req.CustomKeyStoreId, required: true).ThrowIfAny();

        authz.DemandWithoutKey(call, Name);
        throw CustomKeyStoreRules.NotFound(call, req.CustomKeyStoreId!);
    }
}
