namespace KmsService.Core.Errors;

/// <summary>AWS error <c>CustomKeyStoreNotFoundException</c>: no custom key store with the given name or id.</summary>
public sealed class CustomKeyStoreNotFoundException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(CustomKeyStoreNotFoundException);
}

/// <summary>AWS error <c>CloudHsmClusterNotFoundException</c>: no CloudHSM cluster with the given cluster id.</summary>
public sealed class CloudHsmClusterNotFoundException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(CloudHsmClusterNotFoundException);
}

/// <summary>AWS error <c>XksProxyUriUnreachableException</c>: KMS could not reach the external key store proxy.</summary>
public sealed class XksProxyUriUnreachableException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(XksProxyUriUnreachableException);
}

/// <summary>AWS error <c>XksProxyVpcEndpointServiceNotFoundException</c>: KMS could not find the VPC endpoint service.</summary>
public sealed class XksProxyVpcEndpointServiceNotFoundException(string? message = null) : KmsException(message)
{
    public override string ErrorCode => nameof(XksProxyVpcEndpointServiceNotFoundException);
}
