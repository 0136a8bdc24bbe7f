using System.Globalization;
using System.Text;

namespace KmsService.Tests.Infrastructure;

/// <summary>One HTTP/1.1 response read off a raw connection, for tests that send what no HTTP client would (malformed
/// framing, a body that stops arriving): its status line, headers and its Content-Length worth of body.</summary>
public sealed record RawHttpResponse(string StatusLine, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    /// <summary>The status code of <see cref="StatusLine"/>.</summary>
    public int Status => int.Parse(StatusLine.Split(' ')[1], CultureInfo.InvariantCulture);

    public string? Header(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    /// <summary>Reads one response from <paramref name="stream"/>; the body is not read when <paramref name="readBody"/>
    /// is false (the answer to HEAD announces a length it does not send).</summary>
    public static async Task<RawHttpResponse> ReadAsync(Stream stream, CancellationToken ct, bool readBody = true)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var statusLine = await reader.ReadLineAsync(ct) ?? throw new InvalidOperationException("No response.");
        var headers = new List<KeyValuePair<string, string>>();
        for (var line = await reader.ReadLineAsync(ct); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(ct))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var response = new RawHttpResponse(statusLine, headers, string.Empty);
        var length = response.Header("Content-Length") is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        var body = new char[readBody ? length : 0];
        await reader.ReadBlockAsync(body, ct);
        return response with { Body = new string(body) };
    }
}
