using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace KmsService.Load;

/// <summary>Signs an AWS JSON 1.1 POST to <c>/</c> with AWS Signature Version 4, as the SDKs do (WIRE.md §7).</summary>
/// <remarks>
/// Signed headers: amz-sdk-invocation-id, content-type, host, x-amz-date, x-amz-target, and x-amz-content-sha256
/// when asked for.
/// The signing key is derived once per scope date; everything else is computed for every request.
/// </remarks>
internal sealed class SigV4Signer
{
    public const string ContentType = "application/x-amz-json-1.1";

    private const string Service = "kms";

    private readonly string _accessKeyId;
    private readonly string _secretAccessKey;
    private readonly string _region;
    private readonly string _host;
    private readonly bool _signContentSha256;
    private CachedKey? _signingKey;

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
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        var payloadHash = Convert.ToHexStringLower(hash);

        var signedHeaders = _signContentSha256
            ? "amz-sdk-invocation-id;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target"
            : "amz-sdk-invocation-id;content-type;host;x-amz-date;x-amz-target";

        var canonical = new StringBuilder(320);
        canonical.Append("POST\n/\n\n");
        canonical.Append("amz-sdk-invocation-id:").Append(invocationId).Append('\n');
        canonical.Append("content-type:").Append(ContentType).Append('\n');
        canonical.Append("host:").Append(_host).Append('\n');
        if (_signContentSha256)
        {
            canonical.Append("x-amz-content-sha256:").Append(payloadHash).Append('\n');
        }

        canonical.Append("x-amz-date:").Append(amzDate).Append('\n');
        canonical.Append("x-amz-target:").Append(target).Append('\n');
        canonical.Append('\n');
        canonical.Append(signedHeaders).Append('\n');
        canonical.Append(payloadHash);

        SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()), hash);
        var scope = $"{date}/{_region}/{Service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(hash)}";

        Span<byte> signature = stackalloc byte[32];
        HMACSHA256.HashData(SigningKey(date), Encoding.UTF8.GetBytes(stringToSign), signature);

        var authorization =
            $"AWS4-HMAC-SHA256 Credential={_accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={Convert.ToHexStringLower(signature)}";
        return new SignedHeaders(amzDate, authorization, _signContentSha256 ? payloadHash : null);
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "kms"), "aws4_request"), cached per date.</summary>
    private byte[] SigningKey(string date)
    {
        var cached = Volatile.Read(ref _signingKey);
        if (cached is not null && cached.Date == date)
        {
            return cached.Key;
        }

        // A race here only derives the same key twice.
        var kDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + _secretAccessKey), Encoding.UTF8.GetBytes(date));
        var kRegion = HMACSHA256.HashData(kDate, Encoding.UTF8.GetBytes(_region));
        var kService = HMACSHA256.HashData(kRegion, Encoding.UTF8.GetBytes(Service));
        var kSigning = HMACSHA256.HashData(kService, "aws4_request"u8);
        Volatile.Write(ref _signingKey, new CachedKey(date, kSigning));
        return kSigning;
    }

    private sealed record CachedKey(string Date, byte[] Key);
}

/// <summary>The header values a signature produces.</summary>
internal readonly record struct SignedHeaders(string AmzDate, string Authorization, string? ContentSha256);
