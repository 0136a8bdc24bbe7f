using System.Buffers;
using System.Net;
using System.Text.Json;

namespace KmsService.Load;

/// <summary>AWS JSON 1.1 over <see cref="HttpClient"/>, each request with a fresh body and a freshly computed SigV4 signature.</summary>
internal sealed class RawKmsDriver : IKmsDriver
{
    private const string EncryptionContextKey = "purpose";
    private const string EncryptionContextValue = "load-test";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly SigV4Signer _signer;
    private readonly bool _withContext;

    public RawKmsDriver(Uri endpoint, int connections, SigV4Signer signer, bool withContext)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        _endpoint = endpoint;
        _signer = signer;
        _withContext = withContext;
    }

    public async Task<string> CreateKeyAsync(KeyKind? kind, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("Description", "KmsService.Load benchmark key");
            if (kind is not null)
            {
                w.WriteString("KeySpec", kind.KeySpec);
                w.WriteString("KeyUsage", kind.KeyUsage);
            }
        });
        var (status, response) = await SendAsync("TrentService.CreateKey", body, ct);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"CreateKey failed: {ErrorOf(status, response)}");
        }

        using var doc = JsonDocument.Parse(response);
        return doc.RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()
            ?? throw new InvalidOperationException("CreateKey returned no KeyId.");
    }

    public async Task<CallResult> EncryptAsync(string keyId, byte[] plaintext, bool wantCiphertext, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("KeyId", keyId);
            w.WriteBase64String("Plaintext", plaintext);
            WriteContext(w);
        });
        var (status, response) = await SendAsync("TrentService.Encrypt", body, ct);
        if (status != HttpStatusCode.OK)
        {
            return CallResult.Failure(ErrorOf(status, response));
        }

        if (!wantCiphertext)
        {
            return CallResult.Success();
        }

        using var doc = JsonDocument.Parse(response);
        return CallResult.Success(doc.RootElement.GetProperty("CiphertextBlob").GetBytesFromBase64());
    }

    public async Task<CallResult> DecryptAsync(byte[] ciphertextBlob, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteBase64String("CiphertextBlob", ciphertextBlob);
            WriteContext(w);
        });
        var (status, response) = await SendAsync("TrentService.Decrypt", body, ct);
        return status == HttpStatusCode.OK ? CallResult.Success() : CallResult.Failure(ErrorOf(status, response));
    }

    public async Task<CallResult> GenerateDataKeyAsync(string keyId, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("KeyId", keyId);
            w.WriteString("KeySpec", "AES_256");
            WriteContext(w);
        });
        var (status, response) = await SendAsync("TrentService.GenerateDataKey", body, ct);
        return status == HttpStatusCode.OK ? CallResult.Success() : CallResult.Failure(ErrorOf(status, response));
    }

    public async Task<CallResult> SignAsync(string keyId, string signingAlgorithm, byte[] message, bool wantSignature, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("KeyId", keyId);
            w.WriteBase64String("Message", message);
            w.WriteString("MessageType", "RAW");
            w.WriteString("SigningAlgorithm", signingAlgorithm);
        });
        var (status, response) = await SendAsync("TrentService.Sign", body, ct);
        if (status != HttpStatusCode.OK)
        {
            return CallResult.Failure(ErrorOf(status, response));
        }

        if (!wantSignature)
        {
            return CallResult.Success();
        }

        using var doc = JsonDocument.Parse(response);
        return CallResult.Success(doc.RootElement.GetProperty("Signature").GetBytesFromBase64());
    }

    public async Task<CallResult> VerifyAsync(string keyId, string signingAlgorithm, byte[] message, byte[] signature, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("KeyId", keyId);
            w.WriteBase64String("Message", message);
            w.WriteString("MessageType", "RAW");
            w.WriteBase64String("Signature", signature);
            w.WriteString("SigningAlgorithm", signingAlgorithm);
        });
        var (status, response) = await SendAsync("TrentService.Verify", body, ct);
        return status == HttpStatusCode.OK ? CallResult.Success() : CallResult.Failure(ErrorOf(status, response));
    }

    public async Task<CallResult> GenerateMacAsync(string keyId, string macAlgorithm, byte[] message, CancellationToken ct)
    {
        var body = Json(w =>
        {
            w.WriteString("KeyId", keyId);
            w.WriteBase64String("Message", message);
            w.WriteString("MacAlgorithm", macAlgorithm);
        });
        var (status, response) = await SendAsync("TrentService.GenerateMac", body, ct);
        return status == HttpStatusCode.OK ? CallResult.Success() : CallResult.Failure(ErrorOf(status, response));
    }

    /// <summary>Signs and sends one call; a request is never reused (the invocation id and signature are new each time).</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> SendAsync(string target, byte[] body, CancellationToken ct)
    {
        // A random, signed invocation id (as the AWS SDKs send) makes every request unique even when the body repeats.
        var invocationId = InvocationId();
        var signed = _signer.Sign(target, invocationId, body, DateTime.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Headers.Host = _signer.Host;
        request.Headers.TryAddWithoutValidation("amz-sdk-invocation-id", invocationId);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", signed.AmzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        if (signed.ContentSha256 is { } sha)
        {
            request.Headers.TryAddWithoutValidation("x-amz-content-sha256", sha);
        }

        request.Content.Headers.TryAddWithoutValidation("Content-Type", SigV4Signer.ContentType);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct));
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The error label: <c>__type</c> of an AWS JSON error body (namespace prefix dropped) and the HTTP status.</summary>
    public static string ErrorOf(HttpStatusCode status, byte[] body)
    {
        var code = "(no __type)";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("__type", out var type)
                && type.GetString() is { } t)
            {
                code = t[(t.LastIndexOf('#') + 1)..];
            }
        }
        catch (JsonException)
        {
            code = "(not JSON)";
        }

        return $"{code} (HTTP {(int)status})";
    }

    private void WriteContext(Utf8JsonWriter w)
    {
        if (!_withContext)
        {
            return;
        }

        w.WriteStartObject("EncryptionContext");
        w.WriteString(EncryptionContextKey, EncryptionContextValue);
        w.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> members)
    {
        // One buffer and writer per thread: the body is copied out before anything else can use them.
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = _threadWriter ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        members(w);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A version 4 UUID from <see cref="Random.Shared"/>: unique per request like the SDKs' invocation ids,
    /// without a system call per request on a machine the load tool shares with the server.</summary>
    private static string InvocationId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
