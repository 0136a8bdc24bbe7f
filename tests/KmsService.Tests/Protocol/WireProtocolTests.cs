using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Protocol;

/// <summary>The AWS JSON 1.1 wire contract and SigV4 authentication, through raw HTTP and through the SDK.</summary>
[Collection("sqlite")]
public sealed class WireProtocolTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    private static string AmzDate(DateTime t) => t.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A request whose access key is unknown: in Development it acts as the development root unverified.</summary>
    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(
        string? target, string body, string? authorization = "unknown", DateTime? date = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Server.Url)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        if (target is not null)
        {
            request.Headers.Add("X-Amz-Target", target);
        }

        var now = date ?? DateTime.UtcNow;
        request.Headers.Add("X-Amz-Date", AmzDate(now));
        if (authorization == "unknown")
        {
            authorization = $"AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/{now:yyyyMMdd}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}";
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        using var doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, doc.RootElement.Clone(), response);
    }

    [Fact]
    public async Task Post_Success_HasAwsHeadersAndJsonBody()
    {
        var (status, body, response) = await PostAsync("TrentService.GenerateRandom", """{"NumberOfBytes": 8}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/x-amz-json-1.1", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Guid.TryParse(response.Headers.GetValues("x-amzn-RequestId").Single(), out _));
        Assert.NotNull(response.Headers.Date);
        Assert.Equal(8, body.GetProperty("Plaintext").GetBytesFromBase64().Length);
    }

    [Fact]
    public async Task Post_UnknownTarget_ThrowsUnknownOperation()
    {
        var (status, body, _) = await PostAsync("TrentService.Frobnicate", "{}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("UnknownOperationException", body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task Post_NoTarget_ThrowsUnknownOperation()
    {
        var (_, body, _) = await PostAsync(null, "{}");
        Assert.Equal("UnknownOperationException", body.GetProperty("__type").GetString());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"NumberOfBytes": "eight"}""")]
    [InlineData("""{"NumberOfBytes": 8.5}""")]
    public async Task Post_UnparseableBody_ThrowsSerialization(string json)
    {
        var (status, body, _) = await PostAsync("TrentService.GenerateRandom", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("SerializationException", body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task Post_InvalidBase64Blob_ThrowsSerialization()
    {
        var (_, body, _) = await PostAsync("TrentService.Decrypt", """{"CiphertextBlob": "!!!"}""");
        Assert.Equal("SerializationException", body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task Post_UnknownMembers_AreIgnored()
    {
        var (status, _, _) = await PostAsync("TrentService.GenerateRandom", """{"NumberOfBytes": 4, "Future": {"x": [1]}}""");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Post_OversizedBody_IsRefusedBeforeReadingIt()
    {
        // Only the headers are sent: the service must answer from Content-Length alone, without waiting for the body.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(Server.Url.Host, Server.Url.Port, Ct);
        var stream = tcp.GetStream();
        var head = $"POST / HTTP/1.1\r\nHost: {Server.Url.Authority}\r\nX-Amz-Target: TrentService.GenerateRandom\r\n"
            + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 2097152\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
        var response = await RawHttpResponse.ReadAsync(stream, Ct);
        Assert.Equal("HTTP/1.1 400 Bad Request", response.StatusLine);
        Assert.Contains("\"__type\":\"ValidationException\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_WithoutAuthorization_ThrowsMissingAuthenticationToken()
    {
        var (status, body, _) = await PostAsync("TrentService.GenerateRandom", "{}", authorization: null);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("MissingAuthenticationTokenException", body.GetProperty("__type").GetString());
        Assert.Equal("Missing Authentication Token", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_MalformedAuthorization_ThrowsIncompleteSignature()
    {
        var (_, body, _) = await PostAsync("TrentService.GenerateRandom", "{}", authorization: "AWS4-HMAC-SHA256 garbage");
        Assert.Equal("IncompleteSignatureException", body.GetProperty("__type").GetString());
    }

    [Fact]
    public async Task Post_KnownKeyWithOldDate_ThrowsSignatureExpired()
    {
        var then = DateTime.UtcNow.AddHours(-1);
        var auth = $"AWS4-HMAC-SHA256 Credential=test/{then:yyyyMMdd}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}";
        var (_, body, _) = await PostAsync("TrentService.GenerateRandom", """{"NumberOfBytes": 8}""", auth, then);
        Assert.Equal("InvalidSignatureException", body.GetProperty("__type").GetString());
        Assert.StartsWith($"Signature expired: {AmzDate(then)} is now earlier than ", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Sdk_KnownKeyWithWrongSecret_ThrowsInvalidSignature()
    {
        var client = Server.Client(TestSeed.AliceAccessKey, "not-alices-secret");
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            client.ListKeysAsync(new ListKeysRequest(), Ct));
        Assert.Equal("InvalidSignatureException", e.ErrorCode);
        Assert.DoesNotContain("not-alices-secret", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_UnknownKeyInDevelopment_ActsAsDevelopmentRoot()
    {
        var client = Server.Client("AKIAWHATEVER", "anything");
        var key = (await client.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        Assert.Equal("000000000000", key.AWSAccountId);
    }

    [Fact]
    public async Task Sdk_UnknownKeyWhenNotAllowed_ThrowsUnrecognizedClient()
    {
        await using var strict = await KmsServer.StartAsync(extraArgs: ["--Kms:AllowUnknownAccessKeys", "false"]);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            strict.Client("AKIAWHATEVER", "anything").ListKeysAsync(new ListKeysRequest(), Ct));
        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", e.Message);

        // The built-in development credentials are still verified and work.
        await strict.Client().ListKeysAsync(new ListKeysRequest(), Ct);
    }

    [Fact]
    public async Task Sdk_SeededUserInAnotherRegion_GetsKeysOfThatRegion()
    {
        var client = Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret, "eu-central-1");
        var key = (await client.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        Assert.StartsWith("arn:aws:kms:eu-central-1:111122223333:key/", key.Arn);
    }

    // ---- SigV4: what must be signed (IAM User Guide, "Create a signed AWS API request": host and every x-amz-* header).

    [Fact]
    public async Task Raw_EveryHeaderSigned_Succeeds()
    {
        var key = await CreateKeyAsync();

        var (status, type, _) = await Raw("DescribeKey", $$"""{"KeyId":"{{key.KeyId}}"}""").Sign().SendAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Null(type);
    }

    [Fact]
    public async Task Raw_HostOnlySignedDescribeKeyReplayedAsDisableKey_ThrowsInvalidSignatureAndKeyStaysEnabled()
    {
        var key = await CreateKeyAsync();
        var request = Raw("DescribeKey", $$"""{"KeyId":"{{key.KeyId}}"}""", signedHeaders: ["host"]).Sign();

        var (status, type, message) = await request.Replace("X-Amz-Target", "TrentService.DisableKey").SendAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Matches("^'X-Amz-(Target|Date)' must be a 'SignedHeader' in the AWS Authorization\\.$", message);
        var meta = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Enabled, meta.KeyState);
    }

    [Fact]
    public async Task Raw_TargetNotSigned_ThrowsInvalidSignatureNamingIt()
    {
        var (status, type, message) = await Raw("ListKeys", "{}", signedHeaders: ["content-type", "host", "x-amz-date"]).Sign().SendAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", message);
    }

    [Fact]
    public async Task Raw_TraceIdNotSigned_Succeeds()
    {
        var request = Raw("ListKeys", "{}").Sign().Header("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793");

        var (status, _, _) = await request.SendAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    // ---- Session tokens: every known access key is a long-term key (WIRE.md §7.6).

    [Fact]
    public async Task Sdk_DevelopmentKeyWithSessionToken_ThrowsUnrecognizedClient()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            SessionClient("test", "test").ListKeysAsync(new ListKeysRequest(), Ct));

        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", e.Message);
    }

    [Fact]
    public async Task Sdk_SeededKeyWithSessionToken_ThrowsUnrecognizedClient()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            SessionClient(TestSeed.AliceAccessKey, TestSeed.AliceSecret).ListKeysAsync(new ListKeysRequest(), Ct));

        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
        Assert.Equal("The security token included in the request is invalid.", e.Message);
    }

    [Fact]
    public async Task Sdk_SeededKeyWithSessionTokenAndWrongSecret_ThrowsInvalidSignature()
    {
        // The signature is checked before the token, as AWS does.
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            SessionClient(TestSeed.AliceAccessKey, "not-alices-secret").ListKeysAsync(new ListKeysRequest(), Ct));

        Assert.Equal("InvalidSignatureException", e.ErrorCode);
    }

    [Fact]
    public async Task Sdk_UnknownKeyWithSessionTokenInDevelopment_ActsAsDevelopmentRoot()
    {
        var key = (await SessionClient("ASIAWHATEVER", "anything").CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        Assert.Equal("000000000000", key.AWSAccountId);
    }

    [Fact]
    public async Task Raw_KnownKeyWithUnsignedSessionToken_ThrowsInvalidSignatureNamingIt()
    {
        var request = Raw("ListKeys", "{}", signedHeaders: ["content-type", "host", "x-amz-date", "x-amz-target"])
            .Header("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEXAMPLETOKEN")
            .Sign();

        var (_, type, message) = await request.SendAsync(Ct);

        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.", message);
    }

    // ---- The scope's region must be a region name (botocore partitions.json), on every path.

    [Theory]
    [InlineData("test", "test")]
    [InlineData(TestSeed.AliceAccessKey, TestSeed.AliceSecret)]
    [InlineData("AKIDUNKNOWN", "not-verified")]
    public async Task Raw_ScopeRegionNotARegionName_ThrowsInvalidSignatureAndCreatesNoKey(string accessKeyId, string secret)
    {
        var description = "region-probe-" + Guid.NewGuid().ToString("N");
        var request = new RawKmsRequest(Server.Url, "CreateKey", $$"""{"Description":"{{description}}"}""")
        {
            AccessKeyId = accessKeyId,
            SecretAccessKey = secret,
            Region = "us-east-1:111122223333",
        };

        var (status, type, message) = await request.Sign().SendAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("InvalidSignatureException", type);
        Assert.Equal("Credential should be scoped to a valid region, not 'us-east-1:111122223333'. ", message);
        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        Assert.False(await db.Keys.AnyAsync(k => k.Description == description, Ct));
    }

    [Fact]
    public async Task Sdk_ClientInChinaRegion_GetsAwsCnArns()
    {
        var client = Server.Client(region: "cn-north-1");

        var key = (await client.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var described = (await client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, Ct)).KeyMetadata;

        Assert.StartsWith("arn:aws-cn:kms:cn-north-1:000000000000:key/", key.Arn);
        Assert.Equal(key.Arn, described.Arn);
    }

    private RawKmsRequest Raw(string target, string body, IReadOnlyList<string>? signedHeaders = null) =>
        new(Server.Url, target, body) { SignedHeaders = signedHeaders };

    private AmazonKeyManagementServiceClient SessionClient(string accessKeyId, string secret) =>
        new(new SessionAWSCredentials(accessKeyId, secret, "IQoJb3JpZ2luX2VjEXAMPLETOKEN"), new AmazonKeyManagementServiceConfig
        {
            ServiceURL = Server.Url.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
        });
}
