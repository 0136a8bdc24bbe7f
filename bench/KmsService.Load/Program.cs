using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KmsService.Load;

/// <summary>Entry point: one load run against one endpoint, or <c>compare</c> to tabulate saved runs.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["compare", .. var rest])
        {
            return Compare.Run(rest);
        }

        if (args is ["--help" or "-h"])
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            await Console.Error.WriteLineAsync(LoadOptions.Usage);
            return 2;
        }

        // Bounded even if a server hangs: warm-up, pool, measurement and drain all fit in this.
        using var cts = new CancellationTokenSource(options.Warmup + options.Duration + TimeSpan.FromMinutes(3));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        var signer = new SigV4Signer(
            options.AccessKeyId, options.SecretAccessKey, options.Region, options.Endpoint.Authority, options.SignContentSha256);
        using var raw = new RawKmsDriver(options.Endpoint, options.Concurrency, signer, options.WithEncryptionContext);
        using IKmsDriver? sdk = options.Client == ClientKind.Sdk ? new SdkKmsDriver(options) : null;
        var driver = sdk ?? raw;

        var keyId = options.KeyId ?? await driver.CreateKeyAsync(LoadOptions.KeyKindOf(options.Operation), cts.Token);
        var signatureCheck = await CheckSignatureAsync(options, keyId, cts.Token);
        Console.Error.WriteLine(
            $"{options.Target}: {LoadOptions.OperationName(options.Operation)} x{options.Concurrency} ({(options.Client == ClientKind.Sdk ? "sdk" : "raw")}) "
            + $"for {options.Duration.TotalSeconds:0}s after {options.Warmup.TotalSeconds:0}s warm-up; key {keyId}; wrong-secret probe: {signatureCheck}");

        var result = await new LoadRunner(options, driver).RunAsync(keyId, signatureCheck, cts.Token);
        Console.WriteLine(Markdown(result));
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, LoadJsonContext.Default.LoadResult));
        }

        return result.Requests > 0 ? 0 : 1;
    }

    /// <summary>
    /// Sends one Encrypt signed with a wrong secret: a server that verifies SigV4 answers InvalidSignatureException.
    /// Our good requests getting 200 then proves the signer agrees with the server's verifier.
    /// </summary>
    private static async Task<string> CheckSignatureAsync(LoadOptions options, string keyId, CancellationToken ct)
    {
        var wrong = new SigV4Signer(
            options.AccessKeyId, options.SecretAccessKey + "-wrong", options.Region, options.Endpoint.Authority, false);
        using var probe = new RawKmsDriver(options.Endpoint, 1, wrong, options.WithEncryptionContext);
        var result = await probe.EncryptAsync(keyId, [1, 2, 3], false, ct);
        return result.Ok ? "accepted (signatures not verified)" : $"refused: {result.Error}";
    }

    public static string Markdown(LoadResult r)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| target | op | client | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU µs/req | client CPU µs/req | machine CPU µs/req |");
        sb.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(ci, $"| {r.Target} | {r.Operation} | {r.Client} | {r.Concurrency} | {r.RequestsPerSecond:0} | {r.LatencyMs.P50:0.000} | {r.LatencyMs.P90:0.000} | {r.LatencyMs.P99:0.000} | {r.LatencyMs.Max:0.0} | {r.Errors} | {Opt(r.ServerCpuMicrosPerRequest)} | {r.ClientCpuMicrosPerRequest:0} | {Opt(r.MachineCpuMicrosPerRequest)} |");
        foreach (var (code, count) in r.ErrorsByCode)
        {
            sb.AppendLine(ci, $"- error {code}: {count}");
        }

        return sb.ToString();
    }

    private static string Opt(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "n/a";
}
