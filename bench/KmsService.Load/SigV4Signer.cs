using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KmsService.Load;

/// <summary>Signs an AWS JSON 1.1 POST to <c>/</c> with AWS Signature Version 4, as the SDKs do (WIRE.md §7).</summary>
/// <remarks>
/// Signed headers: amz-sdk-invocation-id, content-type, host, x-amz-date, x-amz-target, and x-amz-content-sha256
/// when asked for.
/// The signing key is derived once per scope date; the payload hash, canonical request, string to sign and signature
/// are computed for every request. The load tool shares the machine with the server it measures, so this costs as
/// little as it can: hash and HMAC contexts are reused per thread (OpenSSL's one-shot calls look the digest up every
/// time) and the canonical request is built in a stack buffer.
/// </remarks>
internal sealed class SigV4Signer
{
    public const string ContentType = "application/x-amz-json-1.1";

    private const string Service = "kms";

    private const string SignedHeaderNames = "amz-sdk-invocation-id;content-type;host;x-amz-date;x-amz-target";
    private const string SignedHeaderNamesWithSha256 =
        "amz-sdk-invocation-id;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target";

    [ThreadStatic]
    private static IncrementalHash? _threadSha256;

    [ThreadStatic]
    private static ThreadMac? _threadMac;

    private readonly string _accessKeyId;
    private readonly string _secretAccessKey;
    private readonly string _region;
    private readonly string _host;
    private readonly bool _signContentSha256;
    private CachedKey? _signingKey;
    private CachedTime? _time;

    public SigV4Signer(string accessKeyId, string secretAccessKey, string region, string host, bool signContentSha256)
    {
        _accessKeyId = accessKeyId;
        _secretAccessKey = secretAccessKey;
        _region = region;
        _host = host;
        _signContentSha256 = signContentSha256;
    }

    /// <summary>The value of the <c>host</c> header this signer signs (authority as sent, port included unless default).</summary>
    public string Host => _host;

    /// <summary>Whether requests also carry and sign <c>x-amz-content-sha256</c>.</summary>
    public bool SignsContentSha256 => _signContentSha256;

    /// <summary>Signs one request body for <paramref name="target"/> at <paramref name="now"/>.</summary>
    public SignedHeaders Sign(string target, string invocationId, ReadOnlySpan<byte> body, DateTime now)
    {
        var time = Time(now);
        var key = SigningKey(time.Date);

        Span<byte> hash = stackalloc byte[32];
        Sha256(body, hash);
        Span<char> payloadHash = stackalloc char[64];
        Convert.TryToHexStringLower(hash, payloadHash, out _);

        var signedHeaders = _signContentSha256 ? SignedHeaderNamesWithSha256 : SignedHeaderNames;

        // Fixed text, hashes and dates fit in 512 bytes; the rest is the values, at most 3 UTF-8 bytes a character.
        var length = 512 + Encoding.UTF8.GetMaxByteCount(invocationId.Length + target.Length + _host.Length + _region.Length);
        byte[]? rented = null;
        var buffer = length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var w = new Writer(buffer);
            w.Ascii("POST\n/\n\n");
            w.Ascii("amz-sdk-invocation-id:");
            w.Utf8(invocationId);
            w.Ascii("\n");
            w.Ascii("content-type:");
            w.Ascii(ContentType);
            w.Ascii("\n");
            w.Ascii("host:");
            w.Utf8(_host);
            w.Ascii("\n");
            if (_signContentSha256)
            {
                w.Ascii("x-amz-content-sha256:");
                w.Ascii(payloadHash);
                w.Ascii("\n");
            }

            w.Ascii("x-amz-date:");
            w.Ascii(time.AmzDate);
            w.Ascii("\n");
            w.Ascii("x-amz-target:");
            w.Utf8(target);
            w.Ascii("\n");
            w.Ascii("\n");
            w.Ascii(signedHeaders);
            w.Ascii("\n");
            w.Ascii(payloadHash);
            Sha256(w.Written, hash);

            Span<char> canonicalHash = stackalloc char[64];
            Convert.TryToHexStringLower(hash, canonicalHash, out _);
            w = new Writer(buffer);
            w.Ascii("AWS4-HMAC-SHA256\n");
            w.Ascii(time.AmzDate);
            w.Ascii("\n");
            w.Utf8(key.Scope);
            w.Ascii("\n");
            w.Ascii(canonicalHash);

            Span<byte> signature = stackalloc byte[32];
            Mac(key, w.Written, signature);
            Span<char> signatureHex = stackalloc char[64];
            Convert.TryToHexStringLower(signature, signatureHex, out _);

            var authorization = string.Create(
                CultureInfo.InvariantCulture,
                $"AWS4-HMAC-SHA256 Credential={_accessKeyId}/{key.Scope}, SignedHeaders={signedHeaders}, Signature={signatureHex}");
            return new SignedHeaders(time.AmzDate, authorization, _signContentSha256 ? payloadHash.ToString() : null);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Sha256(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var sha = _threadSha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(data);
        sha.GetHashAndReset(destination);
    }

    /// <summary>HMAC-SHA256 under kSigning, on a context of this thread keyed once per signer and date.</summary>
    private static void Mac(CachedKey key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var mac = _threadMac;
        if (mac is null || !ReferenceEquals(mac.Key, key))
        {
            mac?.Hmac.Dispose();
            mac = _threadMac = new ThreadMac(key, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Key));
        }

        mac.Hmac.AppendData(data);
        mac.Hmac.GetHashAndReset(destination);
    }

    /// <summary>X-Amz-Date and the scope date of <paramref name="now"/>, formatted once per second.</summary>
    private CachedTime Time(DateTime now)
    {
        var second = now.Ticks / TimeSpan.TicksPerSecond;
        var cached = Volatile.Read(ref _time);
        if (cached is not null && cached.Second == second)
        {
            return cached;
        }

        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        cached = new CachedTime(second, amzDate, amzDate[..8]);
        Volatile.Write(ref _time, cached);
        return cached;
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "kms"), "aws4_request"), cached per date.</summary>
    private CachedKey SigningKey(string date)
    {
        var cached = Volatile.Read(ref _signingKey);
        if (cached is not null && cached.Date == date)
        {
            return cached;
        }

        // A race here only derives the same key twice.
        var kDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + _secretAccessKey), Encoding.UTF8.GetBytes(date));
        var kRegion = HMACSHA256.HashData(kDate, Encoding.UTF8.GetBytes(_region));
        var kService = HMACSHA256.HashData(kRegion, Encoding.UTF8.GetBytes(Service));
        var kSigning = HMACSHA256.HashData(kService, "aws4_request"u8);
        cached = new CachedKey(date, kSigning, $"{date}/{_region}/{Service}/aws4_request");
        Volatile.Write(ref _signingKey, cached);
        return cached;
    }

    private sealed record CachedKey(string Date, byte[] Key, string Scope);

    private sealed record CachedTime(long Second, string AmzDate, string Date);

    private sealed record ThreadMac(CachedKey Key, IncrementalHash Hmac);

    /// <summary>Appends text to a byte span: ASCII for the fixed parts, UTF-8 for values.</summary>
    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

        public void Ascii(scoped ReadOnlySpan<char> text) => _length += Encoding.ASCII.GetBytes(text, _buffer[_length..]);

        public void Utf8(string text) => _length += Encoding.UTF8.GetBytes(text, _buffer[_length..]);
    }
}

/// <summary>The header values a signature produces.</summary>
internal readonly record struct SignedHeaders(string AmzDate, string Authorization, string? ContentSha256);
