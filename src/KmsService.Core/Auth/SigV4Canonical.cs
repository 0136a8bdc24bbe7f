using System.Buffers;
using System.Text;

namespace KmsService.Core.Auth;

/// <summary>Builds the SigV4 canonical request and string to sign (AWS SigV4 "Create a canonical request").</summary>
internal static class SigV4Canonical
{
    /// <summary>The characters <see cref="IsWhitespace"/> accepts.</summary>
    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n\v\f");

    /// <summary>RFC 3986 unreserved characters, the only ones SigV4 leaves unencoded.</summary>
    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    /// <summary>
    /// Writes the canonical request. <paramref name="payloadHash"/> is the last line: the
    /// <c>x-amz-content-sha256</c> value when the client sent one, else the hex SHA-256 of the body. Returns false when
    /// a header named in <c>SignedHeaders</c> is not in the request: the request is not the one that was signed.
    /// </summary>
    public static bool WriteCanonicalRequest(
        ref PooledUtf8Buffer w, SigV4Request request, SigV4Authorization auth, scoped ReadOnlySpan<char> payloadHash)
    {
        w.Utf8(request.Method);
        w.Byte((byte)'\n');
        WriteCanonicalUri(ref w, request.Path);
        w.Byte((byte)'\n');
        if (request.Query.Length != 0)
        {
            w.Utf8(CanonicalQuery(request.Query));
        }

        w.Byte((byte)'\n');

        var signed = auth.SignedHeaders;
        var complete = true;
        for (var i = 0; i < signed.Count; i++)
        {
            complete &= WriteCanonicalHeader(ref w, request.Lines, signed[i]);
        }

        // The header block ends with its own newline, then the blank-line separator.
        w.Byte((byte)'\n');
        for (var i = 0; i < signed.Count; i++)
        {
            if (i != 0)
            {
                w.Byte((byte)';');
            }

            w.Utf8(signed[i]);
        }

        w.Byte((byte)'\n');
        w.Utf8(payloadHash);
        return complete;
    }

    /// <summary>Writes <c>AWS4-HMAC-SHA256\n&lt;timestamp&gt;\n&lt;scope&gt;\n&lt;hex(hash(canonical request))&gt;</c>.</summary>
    public static void WriteStringToSign(ref PooledUtf8Buffer w, SigV4Authorization auth, scoped ReadOnlySpan<byte> canonicalRequestHash)
    {
        w.Utf8(SigV4Parser.Algorithm);
        w.Byte((byte)'\n');
        w.Utf8(auth.AmzDate);
        w.Byte((byte)'\n');
        w.Utf8(auth.Date);
        w.Byte((byte)'/');
        w.Utf8(auth.Region);
        w.Byte((byte)'/');
        w.Utf8(auth.Service);
        w.Byte((byte)'/');
        w.Utf8(auth.Terminator);
        w.Byte((byte)'\n');
        Span<char> hex = stackalloc char[64];
        Convert.TryToHexStringLower(canonicalRequestHash, hex, out _);
        w.Utf8(hex);
    }

    /// <summary>
    /// Canonical URI for non-S3 services: the path as received (still percent-encoded), with empty and dot
    /// segments removed (RFC 3986 §5.2.4, plus collapsed slashes as botocore and the SDK for JavaScript do),
    /// then every byte but unreserved characters and <c>/</c> percent-encoded again.
    /// </summary>
    public static void WriteCanonicalUri(ref PooledUtf8Buffer w, ReadOnlySpan<char> path)
    {
        if (path.Length == 1 && path[0] == '/')
        {
            w.Byte((byte)'/');
            return;
        }

        var start = w.Length;
        var maxSegments = path.Count('/') + 1;
        int[]? rented = null;
        var segmentStarts = maxSegments <= 32
            ? stackalloc int[32]
            : (rented = ArrayPool<int>.Shared.Rent(maxSegments));
        try
        {
            if (path.Length != 0 && path[0] == '/')
            {
                w.Byte((byte)'/');
            }

            var count = 0;
            var rest = path;
            while (true)
            {
                var slash = rest.IndexOf('/');
                var segment = slash < 0 ? rest : rest[..slash];
                if (segment is "..")
                {
                    if (count > 0)
                    {
                        w.Length = segmentStarts[--count];
                    }
                }
                else if (!segment.IsEmpty && segment is not ".")
                {
                    segmentStarts[count] = w.Length;
                    if (count != 0)
                    {
                        w.Byte((byte)'/');
                    }

                    WriteUriEncoded(ref w, segment);
                    count++;
                }

                if (slash < 0)
                {
                    break;
                }

                rest = rest[(slash + 1)..];
            }

            if (count != 0 && path[^1] == '/')
            {
                w.Byte((byte)'/');
            }

            if (w.Length == start)
            {
                w.Byte((byte)'/');
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Canonical query string: each name and value percent-decoded then encoded once (so <c>%E1%88%B4</c> and
    /// a raw <c>ሴ</c> agree), sorted by name then value in byte order, joined with <c>&amp;</c>.
    /// </summary>
    public static string CanonicalQuery(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add(new(UriEncode(Uri.UnescapeDataString(name)), UriEncode(Uri.UnescapeDataString(value))));
        }

        pairs.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Key, b.Key);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });

        var result = new StringBuilder(query.Length + 16);
        foreach (var (name, value) in pairs)
        {
            if (result.Length != 0)
            {
                result.Append('&');
            }

            result.Append(name).Append('=').Append(value);
        }

        return result.ToString();
    }

    /// <summary>The canonical request as text, for tests and diagnostics. Never put it in a response.</summary>
    internal static string CanonicalRequest(SigV4Request request, SigV4Authorization auth, string payloadHash)
    {
        var w = new PooledUtf8Buffer(1024);
        try
        {
            _ = WriteCanonicalRequest(ref w, request, auth, payloadHash);
            return Encoding.UTF8.GetString(w.Written);
        }
        finally
        {
            w.Dispose();
        }
    }

    /// <summary>
    /// <c>name:value\n</c> for one signed header: every received line with that name, in order, each trimmed with
    /// inner whitespace runs collapsed to one space, joined by commas. False when the request has no line with that name.
    /// </summary>
    private static bool WriteCanonicalHeader(
        ref PooledUtf8Buffer w, scoped ReadOnlySpan<KeyValuePair<string, string>> headers, string name)
    {
        w.Utf8(name);
        w.Byte((byte)':');
        var first = true;
        foreach (var header in headers)
        {
            if (!string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!first)
            {
                w.Byte((byte)',');
            }

            first = false;
            WriteTrimmedValue(ref w, header.Value);
        }

        w.Byte((byte)'\n');
        return !first;
    }

    private static void WriteTrimmedValue(ref PooledUtf8Buffer w, ReadOnlySpan<char> value)
    {
        // Header values rarely hold whitespace to trim or collapse: then they are written as they are.
        if (!value.ContainsAny(Whitespace))
        {
            w.Utf8(value);
            return;
        }

        var firstWord = true;
        var i = 0;
        while (i < value.Length)
        {
            while (i < value.Length && IsWhitespace(value[i]))
            {
                i++;
            }

            if (i == value.Length)
            {
                break;
            }

            var start = i;
            while (i < value.Length && !IsWhitespace(value[i]))
            {
                i++;
            }

            if (!firstWord)
            {
                w.Byte((byte)' ');
            }

            firstWord = false;
            w.Utf8(value[start..i]);
        }
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n' or '\v' or '\f';

    private static void WriteUriEncoded(ref PooledUtf8Buffer w, ReadOnlySpan<char> value)
    {
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c < 0x80)
            {
                if (Unreserved.Contains(c))
                {
                    w.Byte((byte)c);
                }
                else
                {
                    w.Percent((byte)c);
                }

                i++;
                continue;
            }

            // A lone surrogate decodes to U+FFFD, as Encoding.UTF8 would encode it.
            _ = Rune.DecodeFromUtf16(value[i..], out var rune, out var consumed);
            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                w.Percent(utf8[k]);
            }

            i += consumed;
        }
    }

    private static string UriEncode(string value)
    {
        if (!value.AsSpan().ContainsAnyExcept(Unreserved))
        {
            return value;
        }

        var w = new PooledUtf8Buffer(value.Length * 3 + 16);
        try
        {
            WriteUriEncoded(ref w, value);
            return Encoding.ASCII.GetString(w.Written);
        }
        finally
        {
            w.Dispose();
        }
    }
}
