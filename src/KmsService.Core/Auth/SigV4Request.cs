using System.Runtime.InteropServices;

namespace KmsService.Core.Auth;

/// <summary>The parts of an HTTP request that AWS Signature Version 4 covers, as the server received them.</summary>
public sealed class SigV4Request
{
    /// <summary>Creates a request view for signature verification.</summary>
    /// <param name="method">HTTP method, e.g. <c>POST</c>.</param>
    /// <param name="path">
    /// The request target's path exactly as sent, still percent-encoded (the raw target up to <c>?</c>),
    /// e.g. <c>/</c> or <c>/prefix/</c>. Not the decoded path: SigV4 for non-S3 services encodes it again.
    /// </param>
    /// <param name="query">The raw query string, with or without the leading <c>?</c>; empty when there is none.</param>
    /// <param name="headers">Every header line as received, names in any case; a name may repeat.</param>
    /// <param name="body">The raw request body.</param>
    public SigV4Request(
        string method,
        string path,
        string query,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(headers);
        Method = method;
        Path = path;
        Query = query.StartsWith('?') ? query[1..] : query;
        Headers = headers;
        Body = body;
    }

    /// <summary>HTTP method as received.</summary>
    public string Method { get; }

    /// <summary>Raw, still percent-encoded request path.</summary>
    public string Path { get; }

    /// <summary>Raw query string without the leading <c>?</c>.</summary>
    public string Query { get; }

    /// <summary>Header lines as received.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>Raw request body.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    // Headers given as another kind of list, copied once for Lines.
    private KeyValuePair<string, string>[]? _copy;

    /// <summary>The header lines as a span, read without an interface call per line (the list as it is now).</summary>
    internal ReadOnlySpan<KeyValuePair<string, string>> Lines => Headers switch
    {
        KeyValuePair<string, string>[] array => array,
        List<KeyValuePair<string, string>> list => CollectionsMarshal.AsSpan(list),
        _ => _copy ??= [.. Headers],
    };

    /// <summary>The first value of a header (names compare case-insensitively), or null when absent.</summary>
    public string? FirstHeader(string name)
    {
        foreach (var header in Lines)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return header.Value;
            }
        }

        return null;
    }
}
