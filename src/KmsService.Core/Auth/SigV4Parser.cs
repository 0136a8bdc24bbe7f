using System.Buffers;
using System.Globalization;
using System.Text;
using KmsService.Core.Errors;

namespace KmsService.Core.Auth;

/// <summary>Parses the SigV4 <c>Authorization</c> header of a request (syntax only; see <see cref="SigV4Verifier"/>).</summary>
public static class SigV4Parser
{
    internal const string Algorithm = "AWS4-HMAC-SHA256";
    internal const string IsoBasicFormat = "yyyyMMdd'T'HHmmss'Z'";

    private const string MissingToken = "Missing Authentication Token";

    // AWS splits the header's parameters on commas and spaces alike: "Credential= AKID/..." is two tokens.
    private static readonly SearchValues<char> ParameterSeparators = SearchValues.Create(", \t");

    /// <summary>Reads the <c>Authorization</c> header and the request date.</summary>
    /// <exception cref="MissingAuthenticationTokenException">No <c>Authorization</c> header.</exception>
    /// <exception cref="IncompleteSignatureException">The header or the date is malformed; the message says how.</exception>
    public static SigV4Authorization Parse(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);

        var header = request.FirstHeader("Authorization");
        if (string.IsNullOrWhiteSpace(header))
        {
            throw new MissingAuthenticationTokenException(MissingToken);
        }

        var text = header.AsSpan().Trim();
        var schemeEnd = text.IndexOfAny(' ', '\t');
        var scheme = schemeEnd < 0 ? text : text[..schemeEnd];
        var rest = schemeEnd < 0 ? [] : text[(schemeEnd + 1)..];
        var isSigV4 = scheme.SequenceEqual(Algorithm);

        string? credential = null;
        string? signedHeaders = null;
        string? signature = null;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOfAny(ParameterSeparators);
            var token = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (token.IsEmpty)
            {
                continue;
            }

            var eq = token.IndexOf('=');
            if (eq < 0)
            {
                // Another scheme (Bearer, AWS, a bare token) is not ours to dissect: report the missing parameters instead.
                if (!isSigV4)
                {
                    continue;
                }

                // AWS echoes the whole header here; we echo only a bounded excerpt of the token, so a rejected
                // header's signature never reaches a response or the audit log whole.
                throw new IncompleteSignatureException(
                    $"'{Excerpt(token, 40)}' not a valid key=value pair (missing equal-sign) in Authorization header.");
            }

            // The last occurrence of a parameter wins, as in AWS.
            var key = token[..eq];
            var value = token[(eq + 1)..];
            if (key.SequenceEqual("Credential"))
            {
                credential = value.ToString();
            }
            else if (key.SequenceEqual("SignedHeaders"))
            {
                signedHeaders = value.ToString();
            }
            else if (key.SequenceEqual("Signature"))
            {
                signature = value.ToString();
            }
        }

        var dateHeader = request.FirstHeader("X-Amz-Date");
        var fromAmzDate = dateHeader is not null;
        dateHeader ??= request.FirstHeader("Date");

        var missing = MissingParameters(credential, signature, signedHeaders, dateHeader);
        if (missing is not null)
        {
            throw new IncompleteSignatureException(missing + "Authorization=" + Excerpt(scheme, 20));
        }

        var (amzDate, requestTime) = ParseDate(dateHeader!.Trim(), fromAmzDate);

        if (!isSigV4)
        {
            throw new IncompleteSignatureException(
                $"Unsupported AWS 'algorithm': '{Excerpt(scheme, 20)}' (only {Algorithm} for now). ");
        }

        // AWS ignores trailing slashes on the credential.
        var parts = credential!.TrimEnd('/').Split('/');
        if (parts.Length != 5)
        {
            throw new IncompleteSignatureException(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"
                + Excerpt(credential, 128) + "'");
        }

        return new SigV4Authorization(
            accessKeyId: parts[0],
            date: parts[1],
            region: parts[2],
            service: parts[3],
            terminator: parts[4],
            signedHeaders: signedHeaders!.Split(';'),
            signature: signature!,
            amzDate: amzDate,
            requestTime: requestTime);
    }

    private static string? MissingParameters(string? credential, string? signature, string? signedHeaders, string? date)
    {
        if (!string.IsNullOrEmpty(credential) && !string.IsNullOrEmpty(signature) && signedHeaders is not null && date is not null)
        {
            return null;
        }

        // Same order and wording as AWS: Credential, Signature, SignedHeaders, then the date headers.
        var message = new StringBuilder();
        if (string.IsNullOrEmpty(credential))
        {
            message.Append("Authorization header requires 'Credential' parameter. ");
        }

        if (string.IsNullOrEmpty(signature))
        {
            message.Append("Authorization header requires 'Signature' parameter. ");
        }

        if (signedHeaders is null)
        {
            message.Append("Authorization header requires 'SignedHeaders' parameter. ");
        }

        if (date is null)
        {
            message.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        }

        return message.ToString();
    }

    private static (string AmzDate, DateTimeOffset Time) ParseDate(string value, bool fromAmzDate)
    {
        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(value, IsoBasicFormat, CultureInfo.InvariantCulture, Utc, out var time))
        {
            return (value, time);
        }

        // A bare Date header (no X-Amz-Date) may be RFC 1123, as HTTP sends it.
        if (!fromAmzDate && DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, Utc, out time))
        {
            return (time.ToString(IsoBasicFormat, CultureInfo.InvariantCulture), time);
        }

        throw new IncompleteSignatureException(
            $"Date must be in ISO-8601 'basic format'. Got '{Excerpt(value, 64)}'. See http://en.wikipedia.org/wiki/ISO_8601");
    }

    /// <summary>At most <paramref name="max"/> characters of client input, for an error message.</summary>
    internal static string Excerpt(ReadOnlySpan<char> value, int max) =>
        value.Length <= max ? value.ToString() : string.Concat(value[..max], "...");
}
