using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace KmsService.MicroBench;

/// <summary>Runs the hot-path micro-benchmarks (pass BenchmarkDotNet arguments, e.g. <c>--filter *Sig*</c>).</summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        // In-process: BenchmarkDotNet's generated project would otherwise inherit this repository's
        // warnings-as-errors build settings. Short run: 3 warm-up and 3 measured iterations, one launch.
        var job = Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortInProcess");
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
