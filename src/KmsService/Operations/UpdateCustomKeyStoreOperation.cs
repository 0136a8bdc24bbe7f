using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record UpdateCustomKeyStoreRequest(
    string? CustomKeyStoreId,
    string? NewCustomKeyStoreName,
    string? KeyStorePassword,
    string? CloudHsmClusterId,
    string? XksProxyUriEndpoint,
    string? XksProxyUriPath,
    string? XksProxyVpcEndpointServiceName,
    string? XksProxyVpcEndpointServiceOwner,
    XksProxyAuthenticationCredential? XksProxyAuthenticationCredential,
    string? XksProxyConnectivity);

/// <summary>UpdateCustomKeyStore: the request is validated against the model and authorized
/// (kms:UpdateCustomKeyStore, IAM policy); the account has no custom key store, so the id names none:
/// CustomKeyStoreNotFoundException.</summary>
internal sealed class UpdateCustomKeyStoreOperation(Authorizer authz)
    : IKmsOperation<UpdateCustomKeyStoreOperation, UpdateCustomKeyStoreRequest, EmptyResponse>
{
    public static string Name => "UpdateCustomKeyStore";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<UpdateCustomKeyStoreRequest> RequestType => KmsJsonContext.Default.UpdateCustomKeyStoreRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    // KeyStorePassword and XksProxyAuthenticationCredential are secrets: never recorded.
    public static AuditProjection Project(UpdateCustomKeyStoreRequest r, EmptyResponse? _, CallContext call) =>
        new(new()
        {
            CustomKeyStoreId = r.CustomKeyStoreId,
            NewCustomKeyStoreName = r.NewCustomKeyStoreName,
            CloudHsmClusterId = r.CloudHsmClusterId,
            XksProxyUriEndpoint = r.XksProxyUriEndpoint,
            XksProxyUriPath = r.XksProxyUriPath,
            XksProxyVpcEndpointServiceName = r.XksProxyVpcEndpointServiceName,
            XksProxyVpcEndpointServiceOwner = r.XksProxyVpcEndpointServiceOwner,
            XksProxyConnectivity = r.XksProxyConnectivity,
        });

    public Task<EmptyResponse> ExecuteAsync(UpdateCustomKeyStoreRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .CustomKeyStoreId(req.CustomKeyStoreId, required: true)
            .Length(req.NewCustomKeyStoreName, 1, 256, "newCustomKeyStoreName")
            .StoreSettings(
                req.CloudHsmClusterId, req.KeyStorePassword, req.XksProxyUriEndpoint, req.XksProxyUriPath,
                req.XksProxyVpcEndpointServiceName, req.XksProxyVpcEndpointServiceOwner, req.XksProxyAuthenticationCredential,
                req.XksProxyConnectivity)
            .ThrowIfAny();

        authz.DemandWithoutKey(call, Name);
        throw CustomKeyStoreRules.NotFound(call, req.CustomKeyStoreId!);
    }
}
