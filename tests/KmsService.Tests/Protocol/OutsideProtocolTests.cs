using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Protocol;

/// <summary>Requests outside the AWS JSON protocol, sent as raw HTTP: answered with an AWS-shaped body wherever the
/// server still writes one; what Kestrel refuses before the application runs gets its status and no body.</summary>
[Collection("sqlite")]
public sealed class OutsideProtocolTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    [Theory]
    [InlineData("GET", "/")]
    [InlineData("PUT", "/")]
    [InlineData("DELETE", "/")]
    [InlineData("OPTIONS", "/")]
    [InlineData("PATCH", "/")]
    [InlineData("GET", "/some/other/path")]
    [InlineData("GET", "/favicon.ico")]
    public async Task NonPostOutsideKms_IsA404UnknownOperationWithAnAwsShapedBody(string method, string path)
    {
        var response = await SendAsync($"{method} {path} HTTP/1.1\r\nHost: {Server.Url.Authority}\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(404, response.Status);
        Assert.Equal("application/x-amz-json-1.1", response.Header("Content-Type"));
        var body = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal("UnknownOperationException", body.GetProperty("__type").GetString());
        Assert.Contains($"{method} is not part of the AWS KMS protocol", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_IsA404WithTheHeadersAndNoBody()
    {
        var response = await SendAsync($"HEAD / HTTP/1.1\r\nHost: {Server.Url.Authority}\r\n\r\n", expectBody: false);

        Assert.Equal(404, response.Status);
        Assert.Equal("application/x-amz-json-1.1", response.Header("Content-Type"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task UnknownServicePath_IsA405UnknownOperationWithAnAwsShapedBody()
    {
        // Every path takes POST (SDKs may post to any endpoint path), so routing answers 405 to another method.
        var response = await SendAsync($"GET /_kms/no-such-thing HTTP/1.1\r\nHost: {Server.Url.Authority}\r\n\r\n");

        Assert.Equal(405, response.Status);
        Assert.Equal("application/x-amz-json-1.1", response.Header("Content-Type"));
        var body = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal("UnknownOperationException", body.GetProperty("__type").GetString());
        Assert.Equal("/_kms/no-such-thing does not accept GET.", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task HealthEndpoint_StaysReachable()
    {
        var response = await SendAsync($"GET /_kms/health HTTP/1.1\r\nHost: {Server.Url.Authority}\r\n\r\n");
        Assert.Equal(200, response.Status);
    }

    // Kestrel refuses these while parsing the request, before any middleware: status only, empty body, connection
    // closed (documented in the README). The tests pin that the status is right and nothing else is sent.
    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n{}", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400)]
    [InlineData("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n{}", 400)]
    [InlineData("POST / HTTP/1.3\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", 505)]
    public async Task MalformedFraming_IsRefusedByKestrelWithItsStatusAndNoBody(string request, int status)
    {
        var response = await SendAsync(request);

        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Empty(response.Body);
    }

    [Fact]
    public async Task OverlongHeader_IsRefusedByKestrelWith431AndNoBody()
    {
        var response = await SendAsync($"POST / HTTP/1.1\r\nHost: h\r\nX-Long: {new string('a', 40 * 1024)}\r\nContent-Length: 2\r\n\r\n{{}}");

        Assert.Equal(431, response.Status);
        Assert.Empty(response.Body);
    }

    /// <summary>Sends bytes as they are and reads one response (its Content-Length worth of body).</summary>
    private async Task<RawHttpResponse> SendAsync(string request, bool expectBody = true)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.Url.Host, Server.Url.Port, Ct);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), Ct);
        return await RawHttpResponse.ReadAsync(stream, Ct, expectBody);
    }
}
