using System.Diagnostics;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Hosting;

/// <summary>Start-up as an operator sees it, in a process of its own: a refused start is one line on standard error
/// ("KmsService cannot start: …") and a non-zero exit, never a stack trace; the documented production start really
/// runs in Production.</summary>
public sealed class ProcessStartupTests
{
    private static readonly string RootKeyA = Convert.ToBase64String(Enumerable.Repeat((byte)0x5A, 32).ToArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("AAAA")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gIQ==")]
    [InlineData("")]
    public async Task Start_WithMalformedRootKeyFile_PrintsOneLineAndExitsNonZero(string content)
    {
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var keyFile = Path.Combine(dir, "root.key");
        await File.WriteAllTextAsync(keyFile, content, Ct);

        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--Kms:SeedFile", TestSeed.Write(), "--Kms:RootKeyFile", keyFile],
            ("ASPNETCORE_ENVIRONMENT", "Production"));

        AssertRefused(result, $"KmsService cannot start: The root key file '{keyFile}' is malformed");
        Assert.DoesNotContain(content.Length > 0 ? content : "\u0000", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithRootKeyFileThatIsAFolder_PrintsOneLineAndExitsNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var folder = Directory.CreateDirectory(Path.Combine(dir, "root.key")).FullName;
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--Kms:RootKeyFile", folder], ("ASPNETCORE_ENVIRONMENT", "Development"));
        AssertRefused(result, "KmsService cannot start: The root key file cannot be used");
    }

    [Fact]
    public async Task Start_WithRootKeyOfWrongLength_PrintsOneLineAndExitsNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--Kms:SeedFile", TestSeed.Write()],
            ("ASPNETCORE_ENVIRONMENT", "Production"), ("Kms__RootKey", "c2hvcnQ="));
        AssertRefused(result, "KmsService cannot start: Kms:RootKey must be the base64 encoding of exactly 32 bytes.");
    }

    [Fact]
    public async Task Start_WithAnotherRootKeyOnExistingData_PrintsOneLineAndExitsNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        await using (var first = await KmsServer.StartAsync(dataDir: dir, extraArgs: ["--Kms:RootKey", RootKeyA]))
        {
            await first.Client().CreateKeyAsync(new CreateKeyRequest(), Ct);
        }

        var result = await RunServiceAsync(["--Kms:DataDir", dir], ("ASPNETCORE_ENVIRONMENT", "Development"));
        AssertRefused(result, "KmsService cannot start: The root key is not the one this store was written under");
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    public async Task DotnetRun_WithProductionExported_RunsInProduction(string variable)
    {
        // `dotnet run` applies Properties/launchSettings.json; its profile must not turn an exported Production into
        // Development (which would accept any access key). Production without identities refuses to start.
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var project = Path.Combine(RepositoryRoot(), "src", "KmsService");
        var result = await RunAsync(
            "dotnet",
            ["run", "--no-build", "--configuration", Configuration, "--project", project, "--", "--urls", "http://127.0.0.1:0", "--Kms:DataDir", dir],
            [(variable, "Production")]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("KmsService cannot start: No identities", result.StandardError, StringComparison.Ordinal);
    }

    private static void AssertRefused((int ExitCode, string StandardOutput, string StandardError) result, string expectedStart)
    {
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string StandardOutput, string StandardError)> RunServiceAsync(
        string[] args, params (string Name, string Value)[] environment)
    {
        var dll = typeof(KmsApp).Assembly.Location;
        return RunAsync("dotnet", ["exec", dll, "--urls", "http://127.0.0.1:0", .. args], environment);
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(
        string fileName, string[] args, (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A clean environment for what the service reads: nothing of the test host's own settings leaks in.
        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "KMS_LAUNCH_ENVIRONMENT", "ASPNETCORE_URLS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KmsService.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root (KmsService.sln) is not above the test binaries.");
    }
}
