using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace KmsService.Tests.Infrastructure;

/// <summary>
/// A KMS call sent as raw HTTP and signed by hand (AWS SigV4, "Create a signed AWS API request"), for what the SDK
/// will not send: headers left out of <c>SignedHeaders</c>, a header changed after signing, a malformed scope region.
/// </summary>
public sealed class RawKmsRequest
{
    private readonly List<KeyValuePair<string, string>> _headers = [];

    private readonly byte[] _body;

    public RawKmsRequest(Uri server, string target, string body)
        : this(server, target, Encoding.UTF8.GetBytes(body))
    {
    }

    /// <summary>A request whose body is these bytes as they are (which need not be UTF-8).</summary>
    public RawKmsRequest(Uri server, string target, byte[] body)
        : this(server, body, "TrentService." + target)
    {
    }

    private RawKmsRequest(Uri server, byte[] body, string? fullTarget)
    {
        Server = server;
        _body = body;
        _headers.Add(new("Host", server.Authority));
        if (fullTarget is not null)
        {
            _headers.Add(new("X-Amz-Target", fullTarget));
        }
    }

    /// <summary>A REST request (no <c>X-Amz-Target</c>): <paramref name="method"/> on <paramref name="pathAndQuery"/>
    /// (already percent-encoded), JSON body, signed for <paramref name="service"/> (the admin API's <c>kmsadmin</c>).</summary>
    public static RawKmsRequest ForPath(
        Uri server, string method, string pathAndQuery, string? body = null, string service = "kmsadmin",
        string accessKeyId = "test", string secretAccessKey = "test") =>
        new(server, Encoding.UTF8.GetBytes(body ?? string.Empty), null)
        {
            Method = method,
            PathAndQuery = pathAndQuery,
            ContentType = "application/json",
            Service = service,
            AccessKeyId = accessKeyId,
            SecretAccessKey = secretAccessKey,
        };

    /// <summary>The HTTP method (POST for KMS calls).</summary>
    public string Method { get; init; } = "POST";

    /// <summary>The request target: path and query string, percent-encoded as sent ("/" for KMS calls).</summary>
    public string PathAndQuery { get; init; } = "/";

    /// <summary>The Content-Type header <see cref="Sign"/> adds.</summary>
    public string ContentType { get; init; } = "application/x-amz-json-1.1";

    /// <summary>A request whose <c>X-Amz-Target</c> is <paramref name="fullTarget"/> as it is (another service's), to be
    /// signed for <paramref name="service"/>.</summary>
    public static RawKmsRequest ForTarget(
        Uri server, string fullTarget, string body, string service, string accessKeyId = "test", string secretAccessKey = "test") =>
        new(server, Encoding.UTF8.GetBytes(body), fullTarget)
        {
            Service = service,
            AccessKeyId = accessKeyId,
            SecretAccessKey = secretAccessKey,
        };

    /// <summary>The service of the credential scope (SigV4 signing name).</summary>
    public string Service { get; init; } = "kms";

    public Uri Server { get; }

    public string Body => Encoding.UTF8.GetString(_body);

    public string AccessKeyId { get; init; } = "test";

    public string SecretAccessKey { get; init; } = "test";

    public string Region { get; init; } = "us-east-1";

    /// <summary>The header names to sign, lowercase; null signs every header added before <see cref="Sign"/>.</summary>
    public IReadOnlyList<string>? SignedHeaders { get; init; }

    /// <summary>Adds a header line (sent, and signed when <see cref="SignedHeaders"/> is null or names it).</summary>
    public RawKmsRequest Header(string name, string value)
    {
        _headers.Add(new(name, value));
        return this;
    }

    /// <summary>Replaces a header's value after signing, as a party in the middle would.</summary>
    public RawKmsRequest Replace(string name, string value)
    {
        var i = _headers.FindIndex(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        _headers[i] = new(_headers[i].Key, value);
        return this;
    }

    /// <summary>Adds X-Amz-Date and the Authorization header for the headers present now.</summary>
    public RawKmsRequest Sign(DateTime? at = null)
    {
        var amzDate = (at ?? DateTime.UtcNow).ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        _headers.Add(new("X-Amz-Date", amzDate));
        _headers.Add(new("Content-Type", ContentType));
        var signed = SignedHeaders ?? [.. _headers.Select(h => h.Key.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)];
        var canonicalHeaders = string.Concat(signed.Select(name =>
            name + ":" + string.Join(',', _headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim())) + "\n"));
        var query = PathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? PathAndQuery : PathAndQuery[..query];
        var canonicalQuery = query < 0 ? "" : string.Join('&', PathAndQuery[(query + 1)..].Split('&').Order(StringComparer.Ordinal));
        // SigV4 for services other than S3: each path segment as sent is URI-encoded once more.
        path = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        var canonicalRequest = string.Join('\n', Method, path, canonicalQuery, canonicalHeaders, string.Join(';', signed), Hex(SHA256.HashData(_body)));
        var date = amzDate[..8];
        var scope = $"{date}/{Region}/{Service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey);
        foreach (var part in new[] { date, Region, Service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        _headers.Add(new("Authorization", $"AWS4-HMAC-SHA256 Credential={AccessKeyId}/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={signature}"));
        return this;
    }

    /// <summary>Sends the request as it stands; the response's status, <c>__type</c> and <c>message</c>.</summary>
    public async Task<(HttpStatusCode Status, string? Type, string? Message)> SendAsync(CancellationToken ct) =>
        await SendAsync(null, ct);

    /// <summary>Sends the request on <paramref name="client"/> (a new one if null).</summary>
    public async Task<(HttpStatusCode Status, string? Type, string? Message)> SendAsync(HttpClient? client, CancellationToken ct)
    {
        var (status, text) = await SendForBodyAsync(client, ct);
        using var doc = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        var root = doc.RootElement;
        return (status,
            root.TryGetProperty("__type", out var type) ? type.GetString() : null,
            root.TryGetProperty("message", out var message) ? message.GetString() : null);
    }

    /// <summary>Sends the request on <paramref name="client"/> (a new one if null); the status and the body as text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendForBodyAsync(HttpClient? client, CancellationToken ct)
    {
        using var owned = client is null ? new HttpClient() : null;
        var http = client ?? owned!;
        using var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Server, PathAndQuery)) { Content = new ByteArrayContent(_body) };
        foreach (var (name, value) in _headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await http.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
