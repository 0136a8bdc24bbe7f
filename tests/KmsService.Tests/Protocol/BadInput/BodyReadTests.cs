using System.Net.Sockets;
using System.Text;
using KmsService.Protocol;
using KmsService.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Protocol.BadInput;

/// <summary>Issue 10: bodies that do not arrive as they should are the client's error (an AWS-shaped 4xx), and
/// messages do not echo oversized values.</summary>
[Collection("sqlite")]
public sealed class BodyReadTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Post_ChunkedBodyOverLimit_ThrowsValidationAtTheLimit()
    {
        using var tcp = await ConnectAsync(Server);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Head(Server, "Transfer-Encoding: chunked"), Ct);
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'a');
        try
        {
            // 1.5 MiB, more than the pipe holds before it waits on its reader: refused as it passes 1 MiB.
            for (var i = 0; i < 24; i++)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"), Ct);
                await stream.WriteAsync(chunk, Ct);
                await stream.WriteAsync("\r\n"u8.ToArray(), Ct);
            }
        }
        catch (IOException)
        {
            // The server may close the connection once it has answered.
        }

        var (status, body) = await ReadResponseAsync(stream);

        Assert.Equal("HTTP/1.1 400 Bad Request", status);
        Assert.Contains("\"__type\":\"ValidationException\"", body, StringComparison.Ordinal);
        Assert.Contains($"larger than the {KmsEndpoint.MaxBodyBytes} bytes", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_MalformedChunk_ThrowsSerialization()
    {
        using var tcp = await ConnectAsync(Server);
        var stream = tcp.GetStream();
        await stream.WriteAsync((byte[])[.. Head(Server, "Transfer-Encoding: chunked"), .. "zz\r\nabc\r\n0\r\n\r\n"u8.ToArray()], Ct);

        var (status, body) = await ReadResponseAsync(stream);

        Assert.Equal("HTTP/1.1 400 Bad Request", status);
        Assert.Contains("\"__type\":\"SerializationException\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_BodyStopsArriving_ThrowsRequestTimeout()
    {
        // Kestrel's smallest grace period (above its 1 s heartbeat) keeps the test short.
        await using var server = await Fixture.StartAnotherAsync(Directory.CreateTempSubdirectory("kms-test-").FullName, s =>
            s.Configure<KestrelServerOptions>(k => k.Limits.MinRequestBodyDataRate = new(240, TimeSpan.FromSeconds(1.5))));
        using var tcp = await ConnectAsync(server);
        var stream = tcp.GetStream();
        await stream.WriteAsync((byte[])[.. Head(server, "Content-Length: 100"), .. "{\"Num"u8.ToArray()], Ct);

        var (status, body) = await ReadResponseAsync(stream);

        Assert.Equal("HTTP/1.1 408 Request Timeout", status);
        Assert.Contains("\"__type\":\"RequestTimeoutException\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_PolicyOfTwiceTheLimit_EchoesOnlyTheStartOfIt()
    {
        var policy = new string('a', 2 * 131072);
        var (_, type, message) = await new RawKmsRequest(Server.Url, "CreateKey", $$"""{"Policy":"{{policy}}"}""").Sign().SendAsync(Ct);

        Assert.Equal("ValidationException", type);
        Assert.Equal(
            $"1 validation error detected: Value '{policy[..Validator.MaxEchoedCharacters]}...' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 131072",
            message);
    }

    [Theory]
    [InlineData("TagResource", """{"KeyId":"k","Tags":[null]}""", "Value null at 'tags.1.member' failed to satisfy constraint: Member must not be null")]
    [InlineData("CreateGrant", """{"KeyId":"k","Operations":["Decrypt",null]}""", "Value null at 'operations.2.member' failed to satisfy constraint: Member must not be null")]
    [InlineData("DescribeKey", """{"KeyId":"k","GrantTokens":[null]}""", "Value null at 'grantTokens.1.member' failed to satisfy constraint: Member must not be null")]
    [InlineData("CreateGrant", """{"Constraints":{"EncryptionContextEquals":{"a":null}}}""", "Value null at 'constraints.encryptionContextEquals' failed to satisfy constraint: Map value must not be null")]
    [InlineData("CreateKey", """{"Tags":[{"TagKey":"a\u0000","TagValue":""}]}""", "Value at 'tags.1.member.tagKey' failed to satisfy constraint: Member must not contain the character U+0000")]
    [InlineData("UpdateKeyDescription", """{"KeyId":"k","Description":"\u0000"}""", "Value at 'description' failed to satisfy constraint: Member must not contain the character U+0000")]
    public async Task Post_NullElementOrNullCharacter_ThrowsValidationNamingTheMember(string operation, string body, string violation)
    {
        var (_, type, message) = await new RawKmsRequest(Server.Url, operation, body).Sign().SendAsync(Ct);

        Assert.Equal("ValidationException", type);
        Assert.Equal("1 validation error detected: " + violation, message);
    }

    [Fact]
    public void Echo_CutInsideSurrogatePair_KeepsThePairWhole()
    {
        var value = new string('a', Validator.MaxEchoedCharacters - 1) + "\U0001F600" + "tail";

        Assert.Equal(new string('a', Validator.MaxEchoedCharacters - 1) + "...", Validator.Echo(value));
        Assert.Equal("short", Validator.Echo("short"));
    }

    [Theory]
    [InlineData("$.Tags[0].TagKey", "tags.1.member.tagKey")]
    [InlineData("$.GrantTokens[9]", "grantTokens.10.member")]
    [InlineData("$.Constraints.EncryptionContextEquals", "constraints.encryptionContextEquals")]
    [InlineData("$.KeyId", "keyId")]
    public void MemberName_JsonPath_IsAwsMemberName(string path, string member) =>
        Assert.Equal(member, OperationTable.MemberName(path));

    private static async Task<TcpClient> ConnectAsync(KmsServer server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Url.Host, server.Url.Port, Ct);
        return tcp;
    }

    private static byte[] Head(KmsServer server, string framing)
    {
        // An unknown access key acts as the development root unverified; the body never gets that far anyway.
        var now = DateTime.UtcNow;
        return Encoding.ASCII.GetBytes(
            $"POST / HTTP/1.1\r\nHost: {server.Url.Authority}\r\nX-Amz-Target: TrentService.GenerateRandom\r\n"
            + $"X-Amz-Date: {now:yyyyMMdd'T'HHmmss'Z'}\r\nContent-Type: application/x-amz-json-1.1\r\n"
            + $"Authorization: AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/{now:yyyyMMdd}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature={new string('0', 64)}\r\n"
            + framing + "\r\n\r\n");
    }

    private static async Task<(string Status, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        var response = await RawHttpResponse.ReadAsync(stream, Ct);
        return (response.StatusLine, response.Body);
    }
}
