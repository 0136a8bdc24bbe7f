using System.Diagnostics;
using KmsService.Audit.Store;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Audit.Store;

/// <summary><c>audit verify</c> as an operator runs it: the service's executable, the service's configuration.</summary>
public sealed class AuditVerifyProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AuditVerify_OnAStoreTheServiceWrote_PrintsValidAndExitsZero()
    {
        var dir = Directory.CreateTempSubdirectory("kms-audit-verb-").FullName;
        await using (var server = await KmsServer.StartAsync(dataDir: dir))
        {
            // The service's own writer (DI, hosted loop, migrated store, outage tracker) commits the record.
            await server.Services.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry(
                Guid.NewGuid().ToString(), DateTimeOffset.UtcNow, "000000000000", null, "ListKeys", "root", "test",
                null, null, true, "kms.amazonaws.com", "{\"eventName\":\"ListKeys\"}"u8.ToArray()), Ct);
        }

        var (exitCode, output) = await RunAsync(["audit", "verify", "--Kms:DataDir", dir]);

        Assert.Equal(0, exitCode);
        Assert.Equal("audit verify: valid: 1 records, 1 signed digests", output.Trim());
    }

    [Fact]
    public async Task AuditVerify_WithoutAStore_SaysSoAndExitsTwo()
    {
        var dir = Directory.CreateTempSubdirectory("kms-audit-verb-").FullName;

        var (exitCode, output) = await RunAsync(["audit", "verify", "--Kms:DataDir", dir]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("audit verify: not verified: No root key", output.Trim(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", typeof(KmsApp).Assembly.Location, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("KMS_LAUNCH_ENVIRONMENT");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, output);
    }
}
