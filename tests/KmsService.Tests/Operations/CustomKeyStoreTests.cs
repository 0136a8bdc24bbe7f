using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>The six custom key store operations and CreateKey in a custom key store, as AWS answers an account that has
/// no custom key store, no CloudHSM cluster and no external key store proxy.</summary>
public abstract class CustomKeyStoreTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string StoreId = "cks-1234567890abcdef0";
    private const string ClusterId = "cluster-234abcdefgh";
    private const string Password = "kmsuser-top-secret-pw";
    private const string RawSecret = "TopSecretXksProxyKeyThatNeverLeaks0123456789";

    private AmazonKeyManagementServiceClient Carol => Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);

    // The SDK's analyzer refuses literals that break a model constraint: such values are built at run time.
    private static string AtRunTime(string value) => string.Concat(value.AsSpan(0, 1), value.AsSpan(1));

    private static CreateCustomKeyStoreRequest CloudHsmStore() => new()
    {
        CustomKeyStoreName = "ExampleKeyStore",
        CloudHsmClusterId = ClusterId,
        TrustAnchorCertificate = "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----",
        KeyStorePassword = Password,
    };

    private static CreateCustomKeyStoreRequest ExternalStore(XksProxyConnectivityType connectivity) => new()
    {
        CustomKeyStoreName = "ExampleExternalKeyStore",
        CustomKeyStoreType = CustomKeyStoreType.EXTERNAL_KEY_STORE,
        XksProxyConnectivity = connectivity,
        XksProxyUriEndpoint = connectivity == XksProxyConnectivityType.PUBLIC_ENDPOINT ? "https://myproxy.xks.example.com" : "https://myproxy-private.xks.example.com",
        XksProxyUriPath = "/example-prefix/kms/xks/v1",
        XksProxyVpcEndpointServiceName = connectivity == XksProxyConnectivityType.VPC_ENDPOINT_SERVICE ? "com.amazonaws.vpce.us-east-1.vpce-svc-example1" : null,
        XksProxyAuthenticationCredential = new XksProxyAuthenticationCredentialType
        {
            AccessKeyId = "ABCDE234567EXAMPLEAB",
            RawSecretAccessKey = RawSecret,
        },
    };

    // ---- CreateCustomKeyStore ----

    [Fact]
    public async Task CreateCustomKeyStore_CloudHsm_ThrowsCloudHsmClusterNotFound()
    {
        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(CloudHsmStore(), Ct));

        Assert.Equal("CloudHsmClusterNotFoundException", e.ErrorCode);
        Assert.Contains(ClusterId, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
        Assert.Empty((await Kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest(), Ct)).CustomKeyStores);
    }

    [Fact]
    public async Task CreateCustomKeyStore_ExternalPublicEndpoint_ThrowsXksProxyUriUnreachable()
    {
        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(ExternalStore(XksProxyConnectivityType.PUBLIC_ENDPOINT), Ct));

        Assert.Equal("XksProxyUriUnreachableException", e.ErrorCode);
        Assert.DoesNotContain(RawSecret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateCustomKeyStore_ExternalVpcEndpointService_ThrowsVpcEndpointServiceNotFound()
    {
        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(ExternalStore(XksProxyConnectivityType.VPC_ENDPOINT_SERVICE), Ct));

        Assert.Equal("XksProxyVpcEndpointServiceNotFoundException", e.ErrorCode);
    }

    [Fact]
    public async Task CreateCustomKeyStore_WithoutName_ThrowsValidationNotNull()
    {
        var request = CloudHsmStore();
        request.CustomKeyStoreName = null;

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'customKeyStoreName' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_MalformedClusterId_ThrowsValidationPattern()
    {
        var request = CloudHsmStore();
        request.CloudHsmClusterId = AtRunTime("cluster-1111111111111");

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'cluster-1111111111111' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}",
            e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_ShortPassword_ThrowsValidationWithoutEchoingIt()
    {
        var request = CloudHsmStore();
        request.KeyStorePassword = AtRunTime("secret");

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7",
            e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_UnknownType_ThrowsValidationEnum()
    {
        var request = CloudHsmStore();
        request.CustomKeyStoreType = new CustomKeyStoreType(AtRunTime("CLOUD"));

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'CLOUD' at 'customKeyStoreType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_CLOUDHSM, EXTERNAL_KEY_STORE]",
            e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_CloudHsmWithoutPassword_ThrowsValidationRequired()
    {
        var request = CloudHsmStore();
        request.KeyStorePassword = null;

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("KeyStorePassword is required for a custom key store with a CustomKeyStoreType of AWS_CLOUDHSM.", e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_CloudHsmWithProxyMembers_ThrowsValidationNotValidForType()
    {
        var request = CloudHsmStore();
        request.XksProxyUriPath = "/kms/xks/v1";

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("XksProxyUriPath is not valid for a custom key store with CustomKeyStoreType AWS_CLOUDHSM.", e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_VpcConnectivityWithoutServiceName_ThrowsValidationRequired()
    {
        var request = ExternalStore(XksProxyConnectivityType.VPC_ENDPOINT_SERVICE);
        request.XksProxyVpcEndpointServiceName = null;

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "XksProxyVpcEndpointServiceName is required for a custom key store with an XksProxyConnectivity of VPC_ENDPOINT_SERVICE.", e.Message);
    }

    [Fact]
    public async Task CreateCustomKeyStore_BadProxyPathAndSecret_ThrowsValidationNamingBothWithoutTheSecret()
    {
        var request = ExternalStore(XksProxyConnectivityType.PUBLIC_ENDPOINT);
        request.XksProxyUriPath = AtRunTime("/kms/xks/version1");
        request.XksProxyAuthenticationCredential.RawSecretAccessKey = AtRunTime(RawSecret + "!");

        var e = await FailsAsync(() => Kms.CreateCustomKeyStoreAsync(request, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("2 validation errors detected: Value '/kms/xks/version1' at 'xksProxyUriPath'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RawSecret, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateCustomKeyStore_WithoutIdentityPolicy_ThrowsAccessDenied()
    {
        var e = await FailsAsync(() => Carol.CreateCustomKeyStoreAsync(CloudHsmStore(), Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Equal(
            $"User: {TestSeed.CarolArn} is not authorized to perform: kms:CreateCustomKeyStore on resource: * because no identity-based policy allows the kms:CreateCustomKeyStore action",
            e.Message);
    }

    // ---- DescribeCustomKeyStores ----

    [Fact]
    public async Task DescribeCustomKeyStores_NoFilter_ReturnsAnEmptyList()
    {
        var response = await Alice.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest { Limit = 10 }, Ct);

        Assert.Empty(response.CustomKeyStores);
        Assert.False(response.Truncated);
        Assert.Null(response.NextMarker);
    }

    [Fact]
    public async Task DescribeCustomKeyStores_ById_ThrowsCustomKeyStoreNotFound()
    {
        var e = await FailsAsync(() => Kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest { CustomKeyStoreId = StoreId }, Ct));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
        Assert.Contains(StoreId, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeCustomKeyStores_ByName_ThrowsCustomKeyStoreNotFound()
    {
        var e = await FailsAsync(() => Kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest { CustomKeyStoreName = "ExampleKeyStore" }, Ct));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
    }

    [Fact]
    public async Task DescribeCustomKeyStores_LimitOutOfRange_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest { Limit = int.Parse(AtRunTime("1001"), System.Globalization.CultureInfo.InvariantCulture) }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000", e.Message);
    }

    [Fact]
    public async Task DescribeCustomKeyStores_MarkerWeDidNotIssue_ThrowsInvalidMarker()
    {
        var e = await FailsAsync(() => Kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest { Marker = "abc" }, Ct));

        Assert.Equal("InvalidMarkerException", e.ErrorCode);
    }

    [Fact]
    public async Task DescribeCustomKeyStores_WithoutIdentityPolicy_ThrowsAccessDenied()
    {
        var e = await FailsAsync(() => Carol.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest(), Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }

    // ---- Connect, Disconnect, Update, Delete ----

    public static TheoryData<string> OperationsOnAStore() => ["Connect", "Disconnect", "Update", "Delete"];

    [Theory]
    [MemberData(nameof(OperationsOnAStore))]
    public async Task OperationOnAStore_AnyId_ThrowsCustomKeyStoreNotFound(string operation)
    {
        var e = await FailsAsync(() => CallAsync(Kms, operation, StoreId));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
        Assert.Equal($"Custom key store {StoreId} does not exist in account 000000000000 in us-east-1.", e.Message);
    }

    [Theory]
    [MemberData(nameof(OperationsOnAStore))]
    public async Task OperationOnAStore_IdOf65Characters_ThrowsValidationLength(string operation)
    {
        var id = AtRunTime(new string('c', 65));

        var e = await FailsAsync(() => CallAsync(Kms, operation, id));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            $"1 validation error detected: Value '{id}' at 'customKeyStoreId' failed to satisfy constraint: Member must have length less than or equal to 64",
            e.Message);
    }

    [Theory]
    [MemberData(nameof(OperationsOnAStore))]
    public async Task OperationOnAStore_WithoutIdentityPolicy_ThrowsAccessDenied(string operation)
    {
        var e = await FailsAsync(() => CallAsync(Carol, operation, StoreId));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Contains($"kms:{operation}CustomKeyStore", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateCustomKeyStore_ShortPassword_ThrowsValidationWithoutEchoingIt()
    {
        var e = await FailsAsync(() => Kms.UpdateCustomKeyStoreAsync(
            new UpdateCustomKeyStoreRequest { CustomKeyStoreId = StoreId, KeyStorePassword = AtRunTime("pw") }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: Member must have length greater than or equal to 7",
            e.Message);
    }

    [Fact]
    public async Task UpdateCustomKeyStore_NewSettings_ThrowsCustomKeyStoreNotFound()
    {
        var e = await FailsAsync(() => Kms.UpdateCustomKeyStoreAsync(
            new UpdateCustomKeyStoreRequest { CustomKeyStoreId = StoreId, NewCustomKeyStoreName = "Renamed", KeyStorePassword = Password }, Ct));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
    }

    // ---- CreateKey in a custom key store ----

    [Fact]
    public async Task CreateKey_InACloudHsmKeyStore_ThrowsCustomKeyStoreNotFound()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.AWS_CLOUDHSM, CustomKeyStoreId = StoreId }, Ct));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
    }

    [Fact]
    public async Task CreateKey_InAnExternalKeyStore_ThrowsCustomKeyStoreNotFound()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(
            new CreateKeyRequest { Origin = OriginType.EXTERNAL_KEY_STORE, CustomKeyStoreId = StoreId, XksKeyId = "bb8562717f809024" }, Ct));

        Assert.Equal("CustomKeyStoreNotFoundException", e.ErrorCode);
    }

    [Fact]
    public async Task CreateKey_CloudHsmOriginWithoutStore_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.AWS_CLOUDHSM }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("A KMS key with an Origin of AWS_CLOUDHSM requires a CustomKeyStoreId.", e.Message);
    }

    [Fact]
    public async Task CreateKey_ExternalKeyStoreWithoutXksKeyId_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL_KEY_STORE, CustomKeyStoreId = StoreId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("A KMS key with an Origin of EXTERNAL_KEY_STORE requires an XksKeyId.", e.Message);
    }

    [Fact]
    public async Task CreateKey_XksKeyIdWithAnotherOrigin_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(new CreateKeyRequest { XksKeyId = "bb8562717f809024" }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("XksKeyId is valid only for a KMS key with an Origin of EXTERNAL_KEY_STORE.", e.Message);
    }

    [Fact]
    public async Task CreateKey_CustomKeyStoreIdWithAwsKmsOrigin_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(new CreateKeyRequest { CustomKeyStoreId = StoreId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("CustomKeyStoreId is valid only for a KMS key with an Origin of AWS_CLOUDHSM or EXTERNAL_KEY_STORE.", e.Message);
    }

    [Fact]
    public async Task CreateKey_AsymmetricKeyInACustomKeyStore_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(
            new CreateKeyRequest { Origin = OriginType.AWS_CLOUDHSM, CustomKeyStoreId = StoreId, KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("A custom key store holds only symmetric encryption KMS keys in a single Region", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_MalformedXksKeyId_ThrowsValidationPattern()
    {
        var e = await FailsAsync(() => Kms.CreateKeyAsync(
            new CreateKeyRequest { Origin = OriginType.EXTERNAL_KEY_STORE, CustomKeyStoreId = StoreId, XksKeyId = AtRunTime("key id") }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'key id' at 'xksKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_.]+$",
            e.Message);
    }

    [Fact]
    public async Task CreateKey_InACustomKeyStoreWithoutIdentityPolicy_ThrowsAccessDeniedBeforeNotFound()
    {
        var e = await FailsAsync(() => Carol.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.AWS_CLOUDHSM, CustomKeyStoreId = StoreId }, Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }

    private static Task CallAsync(AmazonKeyManagementServiceClient kms, string operation, string id) => operation switch
    {
        "Connect" => kms.ConnectCustomKeyStoreAsync(new ConnectCustomKeyStoreRequest { CustomKeyStoreId = id }, Ct),
        "Disconnect" => kms.DisconnectCustomKeyStoreAsync(new DisconnectCustomKeyStoreRequest { CustomKeyStoreId = id }, Ct),
        "Update" => kms.UpdateCustomKeyStoreAsync(new UpdateCustomKeyStoreRequest { CustomKeyStoreId = id }, Ct),
        "Delete" => kms.DeleteCustomKeyStoreAsync(new DeleteCustomKeyStoreRequest { CustomKeyStoreId = id }, Ct),
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    private static async Task<AmazonKeyManagementServiceException> FailsAsync(Func<Task> call) =>
        await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(call);
}

[Collection("sqlite")]
public sealed class CustomKeyStoreTests_Sqlite(SqliteFixture f) : CustomKeyStoreTests(f);

[Collection("postgres")]
public sealed class CustomKeyStoreTests_Postgres(PostgresFixture f) : CustomKeyStoreTests(f);
