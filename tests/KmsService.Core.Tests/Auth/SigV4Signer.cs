using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Auth;

namespace KmsService.Core.Tests.Auth;

/// <summary>
/// A plain, string-based SigV4 signer for tests, written separately from the verifier so the two check each other.
/// Signs whatever headers it is told to, the way botocore and the AWS SDKs do.
/// </summary>
internal static class SigV4Signer
{
    public const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    public const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// <summary>Builds a signed KMS-shaped request (POST, awsJson1.1) as the server would receive it.</summary>
    public static SigV4Request KmsRequest(
        DateTimeOffset signedAt,
        string body = "{}",
        string host = "127.0.0.1:5000",
        string path = "/",
        string region = "us-east-1",
        string service = "kms",
        string secret = Secret,
        bool sendContentSha256 = false,
        string? declaredContentSha256 = null,
        string scopeDate = "")
    {
        var amzDate = signedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var bytes = Encoding.UTF8.GetBytes(body);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", host),
            new("Content-Type", "application/x-amz-json-1.1"),
            new("X-Amz-Target", "TrentService.Encrypt"),
            new("X-Amz-Date", amzDate),
            new("Content-Length", bytes.Length.ToString(CultureInfo.InvariantCulture)),
        };
        if (sendContentSha256 || declaredContentSha256 is not null)
        {
            headers.Add(new("x-amz-content-sha256", declaredContentSha256 ?? HexSha256(bytes)));
        }

        var signed = headers.Select(h => h.Key.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        var authorization = Authorization(
            "POST", path, "", headers, bytes, AccessKeyId, secret, region, service, amzDate, signed, scopeDate);

        // Sent but not signed, as botocore adds them after signing.
        headers.Add(new("User-Agent", "Boto3/1.35.0 md/Botocore#1.35.0"));
        headers.Add(new("amz-sdk-invocation-id", "3d1c1f22-0f43-4b8e-9a39-58d27a1b1e64"));
        headers.Add(new("Authorization", authorization));
        return new SigV4Request("POST", path, "", headers, bytes);
    }

    /// <summary>The <c>Authorization</c> header value for a request.</summary>
    public static string Authorization(
        string method,
        string path,
        string query,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        byte[] body,
        string accessKeyId,
        string secret,
        string region,
        string service,
        string amzDate,
        IReadOnlyList<string> signedHeaders,
        string scopeDate = "")
    {
        var date = scopeDate.Length != 0 ? scopeDate : amzDate[..8];
        var payloadHash = headers.FirstOrDefault(h => h.Key.Equals("x-amz-content-sha256", StringComparison.OrdinalIgnoreCase)).Value
            ?? HexSha256(body);
        var canonicalHeaders = string.Concat(signedHeaders.Select(name =>
            name + ":" + string.Join(",", headers
                .Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
                .Select(h => string.Join(' ', h.Value.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))))
            + "\n"));
        var canonicalRequest = string.Join('\n',
            method,
            CanonicalUri(path),
            CanonicalQuery(query),
            canonicalHeaders,
            string.Join(';', signedHeaders),
            payloadHash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { date, region, service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders={string.Join(';', signedHeaders)}, Signature={signature}";
    }

    public static string HexSha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string CanonicalUri(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(Uri.EscapeDataString(segment));
        }

        var result = "/" + string.Join('/', segments) + (segments.Count > 0 && path.EndsWith('/') ? "/" : "");
        return result;
    }

    private static string CanonicalQuery(string query) =>
        string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Name: Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Value: Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));
}
