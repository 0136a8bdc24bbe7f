using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;
using Npgsql;

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
        var project = Path.Combine(RepositoryFiles.Root, "src", "KmsService");
        var result = await RunAsync(
            "dotnet",
            ["run", "--no-build", "--configuration", Configuration, "--project", project, "--", "--urls", "http://127.0.0.1:0", "--Kms:DataDir", dir],
            [(variable, "Production")]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("KmsService cannot start: No identities", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsEveryConfigurationOptionAndExitsZero_BeforeAnyOtherWork()
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("kms-proc-").FullName, "never-created");
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--help"], ("ASPNETCORE_ENVIRONMENT", "Development"));

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.StandardError);
        Assert.Contains("ConnectionStrings:Kms", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--urls", result.StandardOutput, StringComparison.Ordinal);
        foreach (var option in ConfigurationOptions.Names)
        {
            Assert.Contains(option, result.StandardOutput, StringComparison.Ordinal);
        }

        // Nothing opened or created: no data folder, so no store and no root key.
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Readme_ConfigurationTable_NamesEveryConfigurationOption()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        foreach (var option in ConfigurationOptions.Names)
        {
            Assert.Contains($"`{option}", readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_PrintsTheInformationalVersionAndExitsZero_BeforeAnyOtherWork()
    {
        var dir = Path.Combine(Directory.CreateTempSubdirectory("kms-proc-").FullName, "never-created");
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--version"], ("ASPNETCORE_ENVIRONMENT", "Production"));

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.StandardError);
        var version = typeof(KmsApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal($"KmsService {version}", result.StandardOutput.Trim());
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Start_WithPortInUse_PrintsOneLineAndExitsNonZero()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;

        var result = await RunAsync("dotnet", ["exec", typeof(KmsApp).Assembly.Location, "--urls", $"http://127.0.0.1:{port}", "--Kms:DataDir", dir],
            [("ASPNETCORE_ENVIRONMENT", "Development")]);

        AssertRefused(result, $"KmsService cannot start: Failed to bind to address http://127.0.0.1:{port}: address already in use");
    }

    [Fact]
    public async Task Start_WithPostgresNotListening_PrintsOneLineWithoutThePasswordAndExitsNonZero()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--Kms:Store", "postgres"],
            ("ASPNETCORE_ENVIRONMENT", "Development"),
            ("ConnectionStrings__Kms", $"Host=127.0.0.1;Port={port};Database=kms;Username=kms;Password={SecretPassword}"));

        AssertRefused(result, "KmsService cannot start: PostgreSQL is not listening at the host and port of ConnectionStrings:Kms");
        Assert.DoesNotContain(SecretPassword, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithWrongPostgresPassword_PrintsOneLineWithoutThePasswordAndExitsNonZero()
    {
        var configured = Environment.GetEnvironmentVariable("KMS_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(configured))
        {
            Assert.Skip("Needs KMS_TEST_POSTGRES (a server that checks passwords).");
        }

        var wrong = new NpgsqlConnectionStringBuilder(configured) { Password = SecretPassword }.ConnectionString;
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        var result = await RunServiceAsync(["--Kms:DataDir", dir, "--Kms:Store", "postgres"],
            ("ASPNETCORE_ENVIRONMENT", "Development"), ("ConnectionStrings__Kms", wrong));

        AssertRefused(result, "KmsService cannot start: PostgreSQL refused the login (password authentication failed");
        Assert.DoesNotContain(SecretPassword, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithReadOnlyDataFolder_PrintsOneLineAndExitsNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        await using var readOnly = await ReadOnlyFolder.MakeAsync(dir);

        var result = await RunServiceAsync(["--Kms:DataDir", dir], ("ASPNETCORE_ENVIRONMENT", "Development"));

        AssertRefused(result, "KmsService cannot start: permission denied");
        Assert.Contains("Kms:DataDir must be writable", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnAFullDisk_PrintsOneLineAndExitsNonZero()
    {
        // A tiny tmpfs of our own, filled up: only where this process may mount one (root on Linux).
        var dir = Directory.CreateTempSubdirectory("kms-proc-").FullName;
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root"
            || (await RunAsync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], [])).ExitCode != 0)
        {
            Assert.Skip("Needs to mount a small tmpfs (root on Linux).");
        }

        try
        {
            await using (var filler = File.Create(Path.Combine(dir, "filler")))
            {
                try
                {
                    await filler.WriteAsync(new byte[1024 * 1024], Ct);
                }
                catch (IOException)
                {
                    // Full, as intended.
                }
            }

            // The root key comes from the environment, so the first write is the embedded store's.
            var result = await RunServiceAsync(["--Kms:DataDir", dir], ("ASPNETCORE_ENVIRONMENT", "Development"), ("Kms__RootKey", RootKeyA));

            AssertRefused(result, "KmsService cannot start: the disk is full");
        }
        finally
        {
            await RunAsync("umount", [dir], []);
        }
    }

    private const string SecretPassword = "s3cret-Pa55word-never-printed";

    /// <summary>Makes a folder unwritable, even for root (immutable attribute), and undoes it on dispose.</summary>
    private sealed class ReadOnlyFolder(string path, bool immutable) : IAsyncDisposable
    {
        public static async Task<ReadOnlyFolder> MakeAsync(string path)
        {
            if (Environment.UserName == "root")
            {
                if ((await RunAsync("chattr", ["+i", path], [])).ExitCode != 0)
                {
                    Assert.Skip("Running as root and the folder cannot be made immutable (chattr +i).");
                }

                return new ReadOnlyFolder(path, immutable: true);
            }

            if (OperatingSystem.IsWindows())
            {
                Assert.Skip("Needs Unix permissions.");
            }
            else
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }

            return new ReadOnlyFolder(path, immutable: false);
        }

        public async ValueTask DisposeAsync()
        {
            if (immutable)
            {
                await RunAsync("chattr", ["-i", path], []);
            }
            else if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
    }

    private static void AssertRefused((int ExitCode, string StandardOutput, string StandardError) result, string expectedStart)
    {
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith(expectedStart, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);

        // Nothing else is said about a start that failed: no error entry, and no status line of a shutdown.
        Assert.DoesNotContain("fail:", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("shutting down", result.StandardOutput, StringComparison.Ordinal);
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
        var start = new ProcessStartInfo(fileName);
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

        return await ChildProcess.RunAsync(start, Ct);
    }

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
}
