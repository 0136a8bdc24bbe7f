using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record DeleteCustomKeyStoreRequest(string? CustomKeyStoreId);

/// <summary>DeleteCustomKeyStore: validated and authorized (kms:DeleteCustomKeyStore, IAM policy); the account has no
/// custom key store, so the id names none: CustomKeyStoreNotFoundException.</summary>
internal sealed class DeleteCustomKeyStoreOperation(Authorizer authz)
    : IKmsOperation<DeleteCustomKeyStoreOperation, DeleteCustomKeyStoreRequest, EmptyResponse>
{
    public static string Name => "DeleteCustomKeyStore";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<DeleteCustomKeyStoreRequest> RequestType => KmsJsonContext.Default.DeleteCustomKeyStoreRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(DeleteCustomKeyStoreRequest r, EmptyResponse? _, CallContext call) =>
        new(new() { CustomKeyStoreId = r.CustomKeyStoreId });

    public Task<EmptyResponse> ExecuteAsync(DeleteCustomKeyStoreRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().CustomKeyStoreId(req.CustomKeyStoreId, required: true).ThrowIfAny();

        authz.DemandWithoutKey(call, Name);
        throw CustomKeyStoreRules.NotFound(call, req.CustomKeyStoreId!);
    }
}
