using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KmsService.Load;

/// <summary><c>compare</c>: reads saved runs and writes the side-by-side tables and the issue-5 target checks as markdown.</summary>
internal static class Compare
{
    private static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
    private static readonly string[] CryptoOps = ["encrypt", "decrypt", "generate-data-key"];

    public static int Run(string[] args)
    {
        string? output = null;
        var peer = "moto";
        string? baseline = null;
        var minRps = new Dictionary<string, double>(StringComparer.Ordinal);
        var files = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--peer" when i + 1 < args.Length:
                    peer = args[++i];
                    break;
                case "--baseline" when i + 1 < args.Length:
                    baseline = args[++i];
                    break;
                case "--min-rps" when i + 1 < args.Length:
                    var (name, value) = (args[++i].Split('=')[0], args[i].Split('=')[^1]);
                    minRps[name] = double.Parse(value, Ci);
                    break;
                default:
                    files.Add(args[i]);
                    break;
            }
        }

        var runs = files
            .Where(File.Exists)
            .Select(f => JsonSerializer.Deserialize(File.ReadAllText(f), LoadJsonContext.Default.LoadResult)!)
            .ToList();
        var text = Tables(runs, peer, minRps, baseline);
        if (output is null)
        {
            Console.Write(text);
        }
        else
        {
            File.WriteAllText(output, text);
        }

        return 0;
    }

    /// <summary>The tables. <paramref name="peer"/> is the server we compare against (moto); <paramref name="baseline"/>,
    /// when given, is the ceiling (the bare Kestrel app): not one of ours, and our fraction of it gets its own table.</summary>
    public static string Tables(
        IReadOnlyList<LoadResult> runs, string peer, IReadOnlyDictionary<string, double> minRps, string? baseline = null)
    {
        var sb = new StringBuilder();
        var targets = runs.Select(r => r.Target).Distinct().ToList();
        var ours = targets.Where(t => t != peer && t != baseline).ToList();

        // Not run (run.sh --no-moto): no ratio columns against it.
        var versusPeer = targets.Contains(peer) ? ours : [];
        var workloads = runs.Select(Workload).Distinct().ToList();

        sb.AppendLine("### Requests per second (same workload, same run)").AppendLine();
        sb.Append("| workload |");
        foreach (var t in targets)
        {
            sb.Append(Ci, $" {t} req/s |");
        }

        foreach (var t in versusPeer)
        {
            sb.Append(Ci, $" {t} ÷ {peer} |");
        }

        sb.AppendLine().Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", targets.Count + versusPeer.Count))).AppendLine();
        foreach (var w in workloads)
        {
            sb.Append(Ci, $"| {w} |");
            foreach (var t in targets)
            {
                sb.Append(Ci, $" {Cell(Find(runs, t, w), r => r.RequestsPerSecond.ToString("0", Ci))} |");
            }

            var peerRun = Find(runs, peer, w);
            foreach (var t in versusPeer)
            {
                var run = Find(runs, t, w);
                sb.Append(run is not null && peerRun is { RequestsPerSecond: > 0 }
                    ? string.Create(Ci, $" {run.RequestsPerSecond / peerRun.RequestsPerSecond:0.0}× |")
                    : " not measured |");
            }

            sb.AppendLine();
        }

        if (baseline is not null)
        {
            BaselineTable(sb, runs, ours, workloads, baseline);
        }

        sb.AppendLine().AppendLine("### Every run").AppendLine();
        sb.AppendLine("| target | workload | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | server CPU µs/req | server cores busy | client CPU µs/req | machine CPU µs/req | server RSS MiB start → end | wrong-secret probe |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|---|");
        foreach (var r in runs)
        {
            var errors = r.Errors == 0 ? "0" : $"{r.Errors}: " + string.Join(", ", r.ErrorsByCode.Select(e => $"{e.Key} ×{e.Value}"));
            sb.AppendLine(Ci, $"| {r.Target} | {Workload(r)} | {r.RequestsPerSecond:0} | {r.LatencyMs.P50:0.000} | {r.LatencyMs.P90:0.000} | {r.LatencyMs.P99:0.000} | {r.LatencyMs.Max:0.0} | {errors} | {Num(r.ServerCpuMicrosPerRequest)} | {Num(r.ServerCpuCores, "0.00")} | {r.ClientCpuMicrosPerRequest:0} | {Num(r.MachineCpuMicrosPerRequest)} | {Num(r.ServerRssMiBStart)} → {Num(r.ServerRssMiBEnd)} | {r.SignatureCheck} |");
        }

        sb.AppendLine().AppendLine("### Issue 5 targets (computed from the runs above; raw client)").AppendLine();
        sb.AppendLine("| target | check | measured | holds |");
        sb.AppendLine("|---|---|---|---|");
        var concurrency = runs.Count == 0 ? 64 : runs.Max(r => r.Concurrency);
        foreach (var t in ours)
        {
            foreach (var op in CryptoOps)
            {
                var run = Find(runs, t, $"{op} ×{concurrency}");
                var peerRun = Find(runs, peer, $"{op} ×{concurrency}");
                if (minRps.TryGetValue(t, out var min))
                {
                    Check(sb, t, $"{op} ≥ {min:0} req/s at {concurrency} connections", run, r => r.RequestsPerSecond >= min, r => $"{r.RequestsPerSecond:0} req/s");
                }

                Check(
                    sb, t, $"{op} ≥ 50 × {peer}", peerRun is null ? null : run, r => r.RequestsPerSecond >= 50 * peerRun!.RequestsPerSecond,
                    r => $"{r.RequestsPerSecond / peerRun!.RequestsPerSecond:0.0}×");
                if (baseline is not null)
                {
                    var baseRun = Find(runs, baseline, $"{op} ×{concurrency}");
                    Check(
                        sb, t, $"{op} ≥ 0.6 × {baseline} Kestrel req/s at {concurrency} connections (issue 11)", baseRun is null ? null : run,
                        r => r.RequestsPerSecond >= 0.6 * baseRun!.RequestsPerSecond, r => $"{r.RequestsPerSecond / baseRun!.RequestsPerSecond:0.00}");
                }

                Check(sb, t, $"{op} p99 ≤ 10 ms at {concurrency} connections", run, r => r.LatencyMs.P99 <= 10, r => $"{r.LatencyMs.P99:0.00} ms");
                Check(sb, t, $"{op} p50 ≤ 1 ms at 1 connection", Find(runs, t, $"{op} ×1"), r => r.LatencyMs.P50 <= 1, r => $"{r.LatencyMs.P50:0.000} ms");
            }

            Check(
                sb, t, "server CPU per Encrypt ≤ 60 µs", Find(runs, t, $"encrypt ×{concurrency}"),
                r => r.ServerCpuMicrosPerRequest is <= 60, r => $"{Num(r.ServerCpuMicrosPerRequest)} µs");
            var mine = runs.Where(r => r.Target == t).ToList();
            var errorCount = mine.Sum(r => r.Errors);
            sb.AppendLine(Ci, $"| {t} | zero errors under load | {errorCount} errors in {mine.Sum(r => r.Requests)} requests | {(errorCount == 0 ? "yes" : "**no**")} |");
            var rss = mine.Where(r => r.ServerRssMiBStart is not null).ToList();
            if (rss.Count > 0)
            {
                sb.AppendLine(Ci, $"| {t} | memory flat (5-minute soak not run here) | RSS {rss[0].ServerRssMiBStart:0} → {rss[^1].ServerRssMiBEnd:0} MiB over {mine.Sum(r => r.MeasuredSeconds + r.WarmupSeconds):0} s of load | not shown |");
            }
        }

        return sb.ToString();
    }

    /// <summary>Our throughput as a fraction of the baseline's, workload by workload, and the same from server CPU per
    /// request (baseline's ÷ ours), which moves less with what else the machine is doing.</summary>
    private static void BaselineTable(
        StringBuilder sb, IReadOnlyList<LoadResult> runs, List<string> ours, List<string> workloads, string baseline)
    {
        sb.AppendLine().AppendLine(Ci, $"### KmsService ÷ {baseline} Kestrel (same workload, same run)").AppendLine();
        sb.Append(Ci, $"| workload | {baseline} req/s |");
        foreach (var t in ours)
        {
            sb.Append(Ci, $" {t} ÷ {baseline} (req/s) |");
        }

        sb.Append(Ci, $" {baseline} server CPU µs/req |");
        foreach (var t in ours)
        {
            sb.Append(Ci, $" {t}: CPU {baseline} ÷ {t} ({t} µs/req) |");
        }

        sb.AppendLine().Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", 2 + 2 * ours.Count))).AppendLine();
        foreach (var w in workloads)
        {
            var baseRun = Find(runs, baseline, w);
            if (baseRun is null)
            {
                continue;
            }

            sb.Append(Ci, $"| {w} | {baseRun.RequestsPerSecond:0} |");
            foreach (var t in ours)
            {
                var run = Find(runs, t, w);
                sb.Append(run is not null && baseRun.RequestsPerSecond > 0
                    ? string.Create(Ci, $" {run.RequestsPerSecond / baseRun.RequestsPerSecond:0.00} |")
                    : " not measured |");
            }

            sb.Append(Ci, $" {Num(baseRun.ServerCpuMicrosPerRequest)} |");
            foreach (var t in ours)
            {
                var run = Find(runs, t, w);
                sb.Append(run?.ServerCpuMicrosPerRequest is > 0 && baseRun.ServerCpuMicrosPerRequest is { } b
                    ? string.Create(Ci, $" {b / run.ServerCpuMicrosPerRequest.Value:0.00} ({run.ServerCpuMicrosPerRequest:0}) |")
                    : " not measured |");
            }

            sb.AppendLine();
        }
    }

    private static void Check(
        StringBuilder sb, string target, string check, LoadResult? run, Func<LoadResult, bool> holds, Func<LoadResult, string> measured)
    {
        if (run is null)
        {
            sb.AppendLine(Ci, $"| {target} | {check} | not measured | — |");
            return;
        }

        sb.AppendLine(Ci, $"| {target} | {check} | {measured(run)} | {(holds(run) ? "yes" : "**no**")} |");
    }

    private static string Workload(LoadResult r) =>
        r.Client == "raw" ? $"{r.Operation} ×{r.Concurrency}" : $"{r.Operation} ×{r.Concurrency} ({r.Client})";

    private static LoadResult? Find(IReadOnlyList<LoadResult> runs, string target, string workload) =>
        runs.FirstOrDefault(r => r.Target == target && Workload(r) == workload);

    private static string Cell(LoadResult? run, Func<LoadResult, string> value) => run is null ? "failed / not run" : value(run);

    private static string Num(double? value, string format = "0") =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
