using System.Text.Json.Serialization;

namespace KmsService.Core.Keys;

/// <summary>KMS model enum <c>CustomKeyStoreType</c>.</summary>
public enum CustomKeyStoreType
{
    [JsonStringEnumMemberName("AWS_CLOUDHSM")] AwsCloudHsm,
    [JsonStringEnumMemberName("EXTERNAL_KEY_STORE")] ExternalKeyStore,
}

/// <summary>KMS model enum <c>XksProxyConnectivityType</c>.</summary>
public enum XksProxyConnectivityType
{
    [JsonStringEnumMemberName("PUBLIC_ENDPOINT")] PublicEndpoint,
    [JsonStringEnumMemberName("VPC_ENDPOINT_SERVICE")] VpcEndpointService,
}
