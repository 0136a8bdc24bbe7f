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

        // Spans into the header until the parts are known to be well-formed: no string is made for a parameter
        // that a later one of the same name replaces, or for the whole credential and signed-header list.
        ReadOnlySpan<char> credential = default;
        ReadOnlySpan<char> signedHeaders = default;
        ReadOnlySpan<char> signature = default;
        var hasSignedHeaders = false;
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
                credential = value;
            }
            else if (key.SequenceEqual("SignedHeaders"))
            {
                signedHeaders = value;
                hasSignedHeaders = true;
            }
            else if (key.SequenceEqual("Signature"))
            {
                signature = value;
            }
        }

        var dateHeader = request.FirstHeader("X-Amz-Date");
        var fromAmzDate = dateHeader is not null;
        dateHeader ??= request.FirstHeader("Date");

        var missing = MissingParameters(!credential.IsEmpty, !signature.IsEmpty, hasSignedHeaders, dateHeader is not null);
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
        var scope = credential.TrimEnd('/');
        if (scope.Count('/') != 4)
        {
            throw new IncompleteSignatureException(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"
                + Excerpt(credential, 128) + "'");
        }

        // Access key id, date, region, service and terminator repeat on every request: they are interned.
        var accessKeyId = SigV4Strings.Intern(NextPart(ref scope));
        var date = SigV4Strings.Intern(NextPart(ref scope));
        var region = SigV4Strings.Region(NextPart(ref scope));
        var service = SigV4Strings.Intern(NextPart(ref scope));
        var terminator = SigV4Strings.Intern(scope);

        return new SigV4Authorization(
            accessKeyId: accessKeyId,
            date: date,
            region: region,
            service: service,
            terminator: terminator,
            signedHeaders: SigV4Strings.SignedHeaders(signedHeaders),
            signature: signature.ToString(),
            amzDate: amzDate,
            requestTime: requestTime);
    }

    // The text before the next '/', and the rest after it.
    private static ReadOnlySpan<char> NextPart(ref ReadOnlySpan<char> rest)
    {
        var slash = rest.IndexOf('/');
        var part = rest[..slash];
        rest = rest[(slash + 1)..];
        return part;
    }

    private static string? MissingParameters(bool credential, bool signature, bool signedHeaders, bool date)
    {
        if (credential && signature && signedHeaders && date)
        {
            return null;
        }

        // Same order and wording as AWS: Credential, Signature, SignedHeaders, then the date headers.
        var message = new StringBuilder();
        if (!credential)
        {
            message.Append("Authorization header requires 'Credential' parameter. ");
        }

        if (!signature)
        {
            message.Append("Authorization header requires 'Signature' parameter. ");
        }

        if (!signedHeaders)
        {
            message.Append("Authorization header requires 'SignedHeaders' parameter. ");
        }

        if (!date)
        {
            message.Append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        }

        return message.ToString();
    }

    private static (string AmzDate, DateTimeOffset Time) ParseDate(string value, bool fromAmzDate)
    {
        const DateTimeStyles Utc = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        if (TryParseIsoBasic(value, out var time)
            || DateTimeOffset.TryParseExact(value, IsoBasicFormat, CultureInfo.InvariantCulture, Utc, out time))
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

    /// <summary>
    /// The common shape of <see cref="IsoBasicFormat"/> (16 ASCII characters, every field in range) read directly;
    /// anything else is left to <see cref="DateTimeOffset.TryParseExact(string, string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>,
    /// which accepts every value accepted here with the same result.
    /// </summary>
    private static bool TryParseIsoBasic(string value, out DateTimeOffset time)
    {
        time = default;
        if (value.Length != 16 || value[8] != 'T' || value[15] != 'Z'
            || !TryDigits(value, 0, 4, out var year) || !TryDigits(value, 4, 2, out var month)
            || !TryDigits(value, 6, 2, out var day) || !TryDigits(value, 9, 2, out var hour)
            || !TryDigits(value, 11, 2, out var minute) || !TryDigits(value, 13, 2, out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(string value, int start, int count, out int result)
    {
        result = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = value[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            result = (result * 10) + (c - '0');
        }

        return true;
    }

    /// <summary>At most <paramref name="max"/> characters of client input, for an error message.</summary>
    internal static string Excerpt(ReadOnlySpan<char> value, int max) =>
        value.Length <= max ? value.ToString() : string.Concat(value[..max], "...");
}
