using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsService.Audit.Records;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Audit.Records;

/// <summary>One CloudTrail record per call through the official SDK, allowed or refused, with no secrets.</summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private readonly CapturingAuditSink _sink = new();
    private KmsServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _server = await KmsServer.StartAsync(seedFile: TestSeed.Write(), configure: s => s.AddSingleton<IAuditSink>(_sink));

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Encrypt_WithContext_RecordsOneCloudTrailRecordWithoutPlaintext()
    {
        var alice = _server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var plaintext = "audit-me-plaintext-4242"u8.ToArray();
        _sink.Records.Clear();

        var response = await alice.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream(plaintext),
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct);

        var (e, json) = Assert.Single(_sink.Records);
        Assert.Equal(response.ResponseMetadata.RequestId, e.RequestId);
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        Assert.Equal("1.11", r.GetProperty("eventVersion").GetString());
        Assert.Equal("IAMUser", r.GetProperty("userIdentity").GetProperty("type").GetString());
        Assert.Equal(TestSeed.AliceArn, r.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("alice", r.GetProperty("userIdentity").GetProperty("userName").GetString());
        Assert.Equal(TestSeed.AliceAccessKey, r.GetProperty("userIdentity").GetProperty("accessKeyId").GetString());
        Assert.Equal("kms.amazonaws.com", r.GetProperty("eventSource").GetString());
        Assert.Equal("Encrypt", r.GetProperty("eventName").GetString());
        Assert.Equal("us-east-1", r.GetProperty("awsRegion").GetString());
        Assert.Equal("acme", r.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("tenant").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("responseElements").ValueKind);
        Assert.Equal(response.ResponseMetadata.RequestId, r.GetProperty("requestID").GetString());
        Assert.True(r.GetProperty("readOnly").GetBoolean());
        var resource = Assert.Single(r.GetProperty("resources").EnumerateArray());
        Assert.Equal(TestSeed.SharedKeyArn, resource.GetProperty("ARN").GetString());
        Assert.Equal("AWS::KMS::Key", resource.GetProperty("type").GetString());
        Assert.Equal("AwsApiCall", r.GetProperty("eventType").GetString());
        Assert.True(r.GetProperty("managementEvent").GetBoolean());
        Assert.Equal("111122223333", r.GetProperty("recipientAccountId").GetString());
        Assert.Equal("Management", r.GetProperty("eventCategory").GetString());
        Assert.False(r.TryGetProperty("errorCode", out _));

        Assert.DoesNotContain("audit-me-plaintext", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(plaintext), json, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(response.CiphertextBlob.ToArray()), json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encrypt_RefusedToAnotherUser_RecordsErrorCodeAndMessage()
    {
        var carol = _server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);
        _sink.Records.Clear();

        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => carol.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream("x"u8.ToArray()),
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct));

        var (e, json) = Assert.Single(_sink.Records);
        Assert.Equal(refused.RequestId, e.RequestId);
        Assert.Equal(refused.ErrorCode, e.ErrorCode);
        Assert.Equal(refused.Message, e.ErrorMessage);
        Assert.Equal(TestSeed.CarolArn, e.Caller?.PrincipalArn);
        Assert.Equal(TestSeed.SharedKeyArn, e.KeyArn);
        Assert.Equal("acme", e.RequestParameters?.EncryptionContext?["tenant"]);
        Assert.Contains("\"errorCode\":\"" + refused.ErrorCode + "\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_WithWrongSecret_RecordsTheAuthenticationFailureWithoutParameters()
    {
        var forger = _server.Client(TestSeed.AliceAccessKey, "not-alices-secret-000000000000000000000");
        _sink.Records.Clear();

        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => forger.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 16 }, Ct));

        var (e, json) = Assert.Single(_sink.Records);
        Assert.Equal(refused.RequestId, e.RequestId);
        Assert.Equal(refused.ErrorCode, e.ErrorCode);
        Assert.Equal("GenerateRandom", e.EventName);
        Assert.Null(e.Caller);
        Assert.Null(e.RequestParameters);

        // The access key is Alice's: her account's trail holds the failed attempt, named by the key, not by her.
        Assert.Equal((TestSeed.AliceAccessKey, "111122223333"), e.NamedKey);
        Assert.Equal("111122223333", e.RecipientAccountId);
        Assert.Contains($"\"userIdentity\":{{\"type\":\"Unknown\",\"accountId\":\"111122223333\",\"accessKeyId\":\"{TestSeed.AliceAccessKey}\"}}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", json.Replace(TestSeed.AliceAccessKey, "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"requestParameters\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_NamingNoKnownAccessKey_RecordsNoAccount()
    {
        _sink.Records.Clear();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.Url)
        {
            Content = new StringContent("{\"NumberOfBytes\":16}", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "TrentService.GenerateRandom");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIANOBODY/20261130/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);

        var (e, json) = Assert.Single(_sink.Records);
        Assert.Null(e.NamedKey);
        Assert.Null(e.RecipientAccountId);
        Assert.Contains("\"userIdentity\":{\"type\":\"Unknown\"}", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_FailingValidation_RecordsValidationException()
    {
        _sink.Records.Clear();
        var tooMany = 5000;

        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            _server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret).GenerateDataKeyAsync(
                new GenerateDataKeyRequest { KeyId = TestSeed.SharedKeyArn, NumberOfBytes = tooMany }, Ct));

        var (e, _) = Assert.Single(_sink.Records);
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(refused.RequestId, e.RequestId);
        Assert.Equal(5000, e.RequestParameters?.NumberOfBytes);
    }

    [Fact]
    public async Task Call_WithUnreadableBody_RecordsSerializationExceptionWithoutParameters()
    {
        _sink.Records.Clear();

        var (_, type, _) = await new RawKmsRequest(_server.Url, "Encrypt", "{\"KeyId\": 42").Sign().SendAsync(Ct);

        var (e, json) = Assert.Single(_sink.Records);
        Assert.Equal("SerializationException", type);
        Assert.Equal("SerializationException", e.ErrorCode);
        Assert.Equal("Encrypt", e.EventName);
        Assert.NotNull(e.Caller);
        Assert.Contains("\"requestParameters\":null", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_Throttled_RecordsThrottlingException()
    {
        var sink = new CapturingAuditSink();
        await using var limited = await KmsServer.StartAsync(
            configure: s => s.AddSingleton<IAuditSink>(sink),
            extraArgs: ["--Kms:RateLimits:Enabled", "true", "--Kms:RateLimits:Operations:CreateKey", "1"]);
        var kms = limited.Client();

        var outcomes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            try
            {
                await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);
                outcomes.Add("ok");
            }
            catch (AmazonKeyManagementServiceException e)
            {
                outcomes.Add(e.ErrorCode);
            }
        }

        var records = sink.Records.Select(r => r.Event).Where(e => e.EventName == "CreateKey").ToArray();
        Assert.Equal(outcomes, records.Select(e => e.ErrorCode ?? "ok"));
        Assert.Contains(records, e => e.ErrorCode == "ThrottlingException" && e.RequestParameters is null && e.Caller is not null);
    }

    [Fact]
    public async Task Calls_EachRecordedOnce_WithDistinctEventIds()
    {
        var kms = _server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        _sink.Records.Clear();

        await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
        var dataKey = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct);
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);

        var records = _sink.Records.ToArray();
        Assert.Equal(["DescribeKey", "GenerateDataKey", "DisableKey"], records.Select(r => r.Event.EventName));
        Assert.Equal(3, records.Select(r => r.Event.EventId).Distinct().Count());
        Assert.Equal([true, true, false], records.Select(r => r.Event.ReadOnly));
        Assert.All(records, r => Assert.Equal(key.Arn, r.Event.KeyArn));
        Assert.DoesNotContain(Convert.ToBase64String(dataKey.Plaintext.ToArray()), records[1].Json, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(dataKey.CiphertextBlob.ToArray()), records[1].Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Encrypt_WhenTheSinkFails_FailsClosedWithNoCiphertext()
    {
        _sink.Failure = new IOException("audit store unwritable");

        var refused = await Assert.ThrowsAsync<KMSInternalException>(() => _server.Client().GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 16 }, Ct));

        Assert.Equal(500, (int)refused.StatusCode);
    }
}
