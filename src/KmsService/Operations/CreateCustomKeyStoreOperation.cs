using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;

namespace KmsService.Operations;

internal sealed record CreateCustomKeyStoreRequest(
    string? CustomKeyStoreName,
    string? CloudHsmClusterId,
    string? TrustAnchorCertificate,
    string? KeyStorePassword,
    string? CustomKeyStoreType,
    string? XksProxyUriEndpoint,
    string? XksProxyUriPath,
    string? XksProxyVpcEndpointServiceName,
    string? XksProxyVpcEndpointServiceOwner,
    XksProxyAuthenticationCredential? XksProxyAuthenticationCredential,
    string? XksProxyConnectivity);

internal sealed record CreateCustomKeyStoreResponse(string CustomKeyStoreId);

/// <summary>
/// CreateCustomKeyStore, as AWS answers an account that has no CloudHSM cluster and no external key store proxy: the
/// request is validated (model constraints, then the members its CustomKeyStoreType needs and cannot take, API
/// reference), authorized (kms:CreateCustomKeyStore, IAM policy), and then refused because the cluster or proxy it
/// names does not exist: CloudHsmClusterNotFoundException, XksProxyVpcEndpointServiceNotFoundException, or, for a
/// public endpoint, XksProxyUriUnreachableException. The proxy is never contacted and no store is ever created.
/// </summary>
internal sealed class CreateCustomKeyStoreOperation(Authorizer authz)
    : IKmsOperation<CreateCustomKeyStoreOperation, CreateCustomKeyStoreRequest, CreateCustomKeyStoreResponse>
{
    public static string Name => "CreateCustomKeyStore";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<CreateCustomKeyStoreRequest> RequestType => KmsJsonContext.Default.CreateCustomKeyStoreRequest;
    public static JsonTypeInfo<CreateCustomKeyStoreResponse> ResponseType => KmsJsonContext.Default.CreateCustomKeyStoreResponse;
    public static bool ReadOnly => false;

    // KeyStorePassword and XksProxyAuthenticationCredential are secrets: never recorded.
    public static AuditProjection Project(CreateCustomKeyStoreRequest r, CreateCustomKeyStoreResponse? s, CallContext call) =>
        new(
            new()
            {
                CustomKeyStoreName = r.CustomKeyStoreName,
                CloudHsmClusterId = r.CloudHsmClusterId,
                TrustAnchorCertificate = r.TrustAnchorCertificate,
                CustomKeyStoreType = r.CustomKeyStoreType,
                XksProxyUriEndpoint = r.XksProxyUriEndpoint,
                XksProxyUriPath = r.XksProxyUriPath,
                XksProxyVpcEndpointServiceName = r.XksProxyVpcEndpointServiceName,
                XksProxyVpcEndpointServiceOwner = r.XksProxyVpcEndpointServiceOwner,
                XksProxyConnectivity = r.XksProxyConnectivity,
            },
            s is null ? null : new() { CustomKeyStoreId = s.CustomKeyStoreId });

    public Task<CreateCustomKeyStoreResponse> ExecuteAsync(CreateCustomKeyStoreRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .NotNull(req.CustomKeyStoreName, "customKeyStoreName").Length(req.CustomKeyStoreName, 1, 256, "customKeyStoreName")
            .Length(req.TrustAnchorCertificate, 1, 5000, "trustAnchorCertificate")
            .Enum<CustomKeyStoreType>(req.CustomKeyStoreType, "customKeyStoreType")
            .StoreSettings(
                req.CloudHsmClusterId, req.KeyStorePassword, req.XksProxyUriEndpoint, req.XksProxyUriPath,
                req.XksProxyVpcEndpointServiceName, req.XksProxyVpcEndpointServiceOwner, req.XksProxyAuthenticationCredential,
                req.XksProxyConnectivity)
            .ThrowIfAny();

        // API reference: "The default value is AWS_CLOUDHSM."
        var type = req.CustomKeyStoreType is null ? CustomKeyStoreType.AwsCloudHsm : WireNames<CustomKeyStoreType>.Parse(req.CustomKeyStoreType);
        var connectivity = req.XksProxyConnectivity is null ? (XksProxyConnectivityType?)null : WireNames<XksProxyConnectivityType>.Parse(req.XksProxyConnectivity);
        EnsureMembersFit(req, type, connectivity);

        authz.DemandWithoutKey(call, Name);

        if (type == CustomKeyStoreType.AwsCloudHsm)
        {
            throw new CloudHsmClusterNotFoundException(
                $"KMS cannot find the CloudHSM cluster {req.CloudHsmClusterId} in account {call.AccountId} in {call.Region}.");
        }

        if (connectivity == XksProxyConnectivityType.VpcEndpointService)
        {
            throw new XksProxyVpcEndpointServiceNotFoundException($"KMS cannot find the VPC endpoint service {req.XksProxyVpcEndpointServiceName}.");
        }

        throw new XksProxyUriUnreachableException($"KMS was unable to reach the external key store proxy at {req.XksProxyUriEndpoint}{req.XksProxyUriPath}.");
    }

    /// <summary>API reference, CreateCustomKeyStore: an CloudHSM key store needs CloudHsmClusterId, TrustAnchorCertificate
    /// and KeyStorePassword; an external key store needs XksProxyConnectivity, XksProxyAuthenticationCredential,
    /// XksProxyUriEndpoint and XksProxyUriPath, and XksProxyVpcEndpointServiceName with VPC_ENDPOINT_SERVICE
    /// connectivity. A member of the other type is refused rather than ignored.</summary>
    private static void EnsureMembersFit(CreateCustomKeyStoreRequest req, CustomKeyStoreType type, XksProxyConnectivityType? connectivity)
    {
        CustomKeyStoreRules.EnsureMembersFit(type,
        [
            ("CloudHsmClusterId", req.CloudHsmClusterId is not null, CustomKeyStoreType.AwsCloudHsm),
            ("TrustAnchorCertificate", req.TrustAnchorCertificate is not null, CustomKeyStoreType.AwsCloudHsm),
            ("KeyStorePassword", req.KeyStorePassword is not null, CustomKeyStoreType.AwsCloudHsm),
            ("XksProxyUriEndpoint", req.XksProxyUriEndpoint is not null, CustomKeyStoreType.ExternalKeyStore),
            ("XksProxyUriPath", req.XksProxyUriPath is not null, CustomKeyStoreType.ExternalKeyStore),
            ("XksProxyVpcEndpointServiceName", req.XksProxyVpcEndpointServiceName is not null, CustomKeyStoreType.ExternalKeyStore),
            ("XksProxyVpcEndpointServiceOwner", req.XksProxyVpcEndpointServiceOwner is not null, CustomKeyStoreType.ExternalKeyStore),
            ("XksProxyAuthenticationCredential", req.XksProxyAuthenticationCredential is not null, CustomKeyStoreType.ExternalKeyStore),
            ("XksProxyConnectivity", req.XksProxyConnectivity is not null, CustomKeyStoreType.ExternalKeyStore),
        ]);

        const string CloudHsm = "a CustomKeyStoreType of AWS_CLOUDHSM";
        const string External = "a CustomKeyStoreType of EXTERNAL_KEY_STORE";
        if (type == CustomKeyStoreType.AwsCloudHsm)
        {
            _ = req.CloudHsmClusterId ?? throw CustomKeyStoreRules.Required("CloudHsmClusterId", CloudHsm);
            _ = req.TrustAnchorCertificate ?? throw CustomKeyStoreRules.Required("TrustAnchorCertificate", CloudHsm);
            _ = req.KeyStorePassword ?? throw CustomKeyStoreRules.Required("KeyStorePassword", CloudHsm);
            return;
        }

        _ = req.XksProxyConnectivity ?? throw CustomKeyStoreRules.Required("XksProxyConnectivity", External);
        _ = req.XksProxyAuthenticationCredential ?? throw CustomKeyStoreRules.Required("XksProxyAuthenticationCredential", External);
        _ = req.XksProxyUriEndpoint ?? throw CustomKeyStoreRules.Required("XksProxyUriEndpoint", External);
        _ = req.XksProxyUriPath ?? throw CustomKeyStoreRules.Required("XksProxyUriPath", External);
        if (connectivity == XksProxyConnectivityType.VpcEndpointService)
        {
            _ = req.XksProxyVpcEndpointServiceName
                ?? throw CustomKeyStoreRules.Required("XksProxyVpcEndpointServiceName", "an XksProxyConnectivity of VPC_ENDPOINT_SERVICE");
        }
        else if (req.XksProxyVpcEndpointServiceName is not null || req.XksProxyVpcEndpointServiceOwner is not null)
        {
            throw new ValidationException(
                "XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are valid only with an XksProxyConnectivity of VPC_ENDPOINT_SERVICE.");
        }
    }
}
