using System.Globalization;
using System.Net.Sockets;

namespace KmsService.Hosting;

/// <summary>
/// The <c>health</c> verb: asks a running service's readiness endpoint (<see cref="HealthEndpoints.ReadyPath"/>) and
/// exits 0 when it answers 200, 1 otherwise, with one line on standard output. It is the container's
/// <c>HEALTHCHECK</c>: the chiseled runtime image has no shell, curl or wget, only <c>dotnet</c>. It reads no store and
/// no root key. The address comes from <c>--url</c>, else the service's own <c>--urls</c> / <c>ASPNETCORE_URLS</c> /
/// <c>ASPNETCORE_HTTP_PORTS</c> (a wildcard host such as <c>0.0.0.0</c>, <c>+</c> or <c>*</c> is asked on loopback),
/// else <c>http://localhost:8080</c>.
/// </summary>
internal static class HealthCommand
{
    public const int Ready = 0;
    public const int NotReady = 1;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>True when the first argument is <c>health</c>.</summary>
    public static bool Matches(string[] args) => args.Length >= 1 && args[0] == "health";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct = default)
    {
        Uri url;
        try
        {
            url = ReadyUrl(args[1..], Environment.GetEnvironmentVariable);
        }
        catch (FormatException e)
        {
            await output.WriteLineAsync($"health: not ready: {e.Message}");
            return NotReady;
        }

        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url, ct);
            var status = (int)response.StatusCode;
            if (status == 200)
            {
                await output.WriteLineAsync($"health: ready ({url} answered 200)");
                return Ready;
            }

            await output.WriteLineAsync($"health: not ready ({url} answered {status})");
            return NotReady;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
        {
            var reason = e is TaskCanceledException ? $"no answer within {Timeout.TotalSeconds:0} s" : e.Message;
            await output.WriteLineAsync($"health: not ready ({url}: {reason})");
            return NotReady;
        }
    }

    /// <summary>The readiness URL to ask, from the verb's arguments and the service's own address settings.</summary>
    public static Uri ReadyUrl(string[] args, Func<string, string?> environment)
    {
        var baseUrl = Argument(args, "--url")
            ?? FirstHttpUrl(Argument(args, "--urls"))
            ?? FirstHttpUrl(environment("ASPNETCORE_URLS"))
            ?? FirstHttpUrl(environment("DOTNET_URLS"))
            ?? FromPorts(environment("ASPNETCORE_HTTP_PORTS"))
            ?? KmsApp.DefaultUrl;

        if (!Uri.TryCreate(Loopback(baseUrl), UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"'{baseUrl}' is not an http:// or https:// URL.");
        }

        return new Uri(parsed, HealthEndpoints.ReadyPath);
    }

    private static string? Argument(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    // ASPNETCORE_URLS is a ';'-separated list; the plain-HTTP one is the cheapest to ask (no certificate to trust).
    private static string? FirstHttpUrl(string? urls)
    {
        if (string.IsNullOrWhiteSpace(urls))
        {
            return null;
        }

        var all = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return all.FirstOrDefault(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? all.FirstOrDefault();
    }

    private static string? FromPorts(string? ports)
    {
        var first = ports?.Split(';', ',').Select(p => p.Trim()).FirstOrDefault(p => p.Length > 0);
        return first is not null && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? $"http://127.0.0.1:{port}"
            : null;
    }

    // Kestrel's wildcard hosts mean "every interface": ask on loopback, which every such binding includes.
    private static string Loopback(string url)
    {
        foreach (var wildcard in new[] { "://0.0.0.0", "://+", "://*", "://[::]" })
        {
            var at = url.IndexOf(wildcard, StringComparison.Ordinal);
            if (at >= 0)
            {
                var host = wildcard == "://[::]" ? "[::1]" : "127.0.0.1";
                return string.Concat(url.AsSpan(0, at), "://", host, url.AsSpan(at + wildcard.Length));
            }
        }

        return url;
    }
}
