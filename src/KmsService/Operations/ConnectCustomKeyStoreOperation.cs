using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record ConnectCustomKeyStoreRequest(string? CustomKeyStoreId);

/// <summary>ConnectCustomKeyStore: validated and authorized (kms:ConnectCustomKeyStore, IAM policy); the account has no
/// custom key store to connect, so the id names none: CustomKeyStoreNotFoundException. Nothing is contacted.</summary>
internal sealed class ConnectCustomKeyStoreOperation(Authorizer authz)
    : IKmsOperation<ConnectCustomKeyStoreOperation, ConnectCustomKeyStoreRequest, EmptyResponse>
{
    public static string Name => "ConnectCustomKeyStore";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<ConnectCustomKeyStoreRequest> RequestType => KmsJsonContext.Default.ConnectCustomKeyStoreRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(ConnectCustomKeyStoreRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { CustomKeyStoreId = r.CustomKeyStoreId });

    public Task<EmptyResponse> ExecuteAsync(ConnectCustomKeyStoreRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().CustomKeyStoreId(req.CustomKeyStoreId, required: true).ThrowIfAny();

        authz.DemandWithoutKey(call, Name);
        throw CustomKeyStoreRules.NotFound(call, req.CustomKeyStoreId!);
    }
}
