using System.Net;
using System.Text;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Protocol;

/// <summary>What the hot-path shortcuts must leave as it was (issue 5): KMS calls are taken before endpoint routing,
/// everything else is still routed, and every answer carries a fresh request id and a Date.</summary>
[Collection("sqlite")]
public sealed class HotPathTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? target = "TrentService.GenerateRandom")
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, new Uri(Server.Url, path))
        {
            Content = new StringContent("""{"NumberOfBytes": 8}""", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.1");
        if (target is not null)
        {
            request.Headers.Add("X-Amz-Target", target);
        }

        var now = DateTime.UtcNow;
        request.Headers.Add("X-Amz-Date", now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(
            "Authorization",
            $"AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/{now:yyyyMMdd}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}");
        return await http.SendAsync(request, Ct);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/prefix/path")]
    [InlineData("/_kmsx")]
    public async Task Post_OutsideKmsPaths_IsAKmsCall(string path)
    {
        using var response = await SendAsync(HttpMethod.Post, path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-amz-json-1.1", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("PUT", "/prefix")]
    public async Task OtherMethods_OutsideKms_AreNotTakenByTheFastPath_AndAnswerUnknownOperation(string method, string path)
    {
        using var response = await SendAsync(new HttpMethod(method), path);

        // Not the KMS endpoint (which would ask for a signature): the AWS-shaped answer to a method outside the protocol.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("UnknownOperationException", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task Health_AnyMethod_IsStillTheHealthCheck(string method)
    {
        using var response = await SendAsync(new HttpMethod(method), "/_kms/health", target: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("""{"status":"Healthy",""", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_UnderKmsPathButNotMapped_IsStillAKmsCall()
    {
        using var response = await SendAsync(HttpMethod.Post, "/_kms/other");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Responses_CarryDistinctVersion4RequestIdsAndADate()
    {
        var ids = new HashSet<Guid>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await SendAsync(HttpMethod.Post, "/");
            var id = Guid.Parse(response.Headers.GetValues("x-amzn-RequestId").Single());
            Assert.Equal(4, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            Assert.True(ids.Add(id));
            Assert.NotNull(response.Headers.Date);
            Assert.InRange(response.Headers.Date!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        }
    }
}
