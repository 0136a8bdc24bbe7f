using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsService.Hosting;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Deployment;

/// <summary>The container's settings really start the service: the built KmsService.dll, in a process of its own, with
/// exactly the environment the Dockerfile (and docker-compose.yml) set, the example seed and a root key file where
/// they are mounted, answers its HEALTHCHECK and a signed Encrypt. Only what a container gives differently is
/// replaced: paths inside the image become temporary files, port 8080 a free loopback port.</summary>
public sealed class ContainerSettingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DockerfileEnvironment_WithTheExampleSeedAndARootKey_IsHealthyAndEncrypts()
    {
        var env = ImageEnvironment();
        env["Kms__SeedFile"] = RepositoryFiles.PathOf("deploy/seed.yaml");
        await using var service = await ServiceProcess.StartAsync(env);

        await service.WaitUntilHealthyAsync();
        await AssertEncryptDecryptAsync(service.Url);
        service.AssertLogsKeepSecrets();
    }

    [Fact]
    public async Task ComposeEnvironment_OnPostgres_IsHealthyAndEncrypts()
    {
        await using var database = await PostgresDatabase.CreateOrSkipAsync();
        var compose = ComposeFile.Load();
        var (_, kms) = Assert.Single(compose.KmsServices, s => !s.Service.ContainsKey("profiles"));

        // The image's environment, then the compose service's over it, as compose runs it; the mounted seed file is
        // the repository file compose mounts there, the mounted secret the generated key file.
        var env = ImageEnvironment();
        var rootKeyFile = env["Kms__RootKeyFile"];
        foreach (var (name, value) in ComposeFile.Environment(kms))
        {
            env[name] = value;
        }

        var seedMount = Assert.Single(ComposeFile.Mounts(kms), m => m.Target == env["Kms__SeedFile"]);
        env["Kms__SeedFile"] = RepositoryFiles.PathOf(seedMount.Source);
        Assert.StartsWith("/run/secrets/", env["Kms__RootKeyFile"], StringComparison.Ordinal);
        env["Kms__RootKeyFile"] = rootKeyFile;
        env["ConnectionStrings__Kms"] = database.ConnectionString!;
        await using var service = await ServiceProcess.StartAsync(env);

        await service.WaitUntilHealthyAsync();
        await AssertEncryptDecryptAsync(service.Url);
        service.AssertLogsKeepSecrets();
    }

    [Fact]
    public async Task DockerfileEnvironment_WithoutARootKey_RefusesToStartSayingHowToGiveIt()
    {
        var env = ImageEnvironment(rootKeyFile: false);
        env["Kms__SeedFile"] = RepositoryFiles.PathOf("deploy/seed.yaml");
        var result = await ServiceProcess.RunToExitAsync(env);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("KmsService cannot start: No root key: outside Development set Kms:RootKeyFile", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerfileEnvironment_WithTheRootKeySecretMissing_RefusesToStartSayingWhere()
    {
        var env = ImageEnvironment(rootKeyFile: false);
        env["Kms__SeedFile"] = RepositoryFiles.PathOf("deploy/seed.yaml");
        env["Kms__RootKeyFile"] = "/run/secrets/kms-root-key-not-mounted";
        var result = await ServiceProcess.RunToExitAsync(env);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("KmsService cannot start: Kms:RootKeyFile '/run/secrets/kms-root-key-not-mounted' does not exist.",
            result.StandardError.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerfileEnvironment_InDevelopment_StartsWithNothingMounted_AsTheCiServiceContainerRecipeRunsIt()
    {
        // README, "Using it in another project's CI": the image as a GitHub Actions service container, Development.
        var env = ImageEnvironment(rootKeyFile: false);
        env["ASPNETCORE_ENVIRONMENT"] = "Development";
        await using var service = await ServiceProcess.StartAsync(env);
        await service.WaitUntilHealthyAsync();

        using var kms = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials("test", "test"),
            new AmazonKeyManagementServiceConfig { ServiceURL = service.Url.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata.KeyId;
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;
        Assert.Equal([1, 2, 3], (await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct)).Plaintext.ToArray());
        Assert.True(File.Exists(Path.Combine(env["Kms__DataDir"], "root.key")), "the root key is generated into the data volume");
    }

    [Fact]
    public async Task DockerfileEnvironment_WithoutASeedFile_RefusesToStart_NoBuiltInCredentials()
    {
        var result = await ServiceProcess.RunToExitAsync(ImageEnvironment());

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("KmsService cannot start: No identities", result.StandardError.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthVerb_WhenNothingListens_ExitsOneWithOneLine()
    {
        var port = FreePort();
        var result = await ServiceProcess.RunToExitAsync(new() { ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}" }, "health");

        Assert.Equal(HealthCommand.NotReady, result.ExitCode);
        var line = Assert.Single(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"health: not ready (http://127.0.0.1:{port}/_kms/health/ready: ", line, StringComparison.Ordinal);
        Assert.Empty(result.StandardError);
    }

    [Fact]
    public async Task HealthVerb_WhenReadinessAnswers503_ExitsOne()
    {
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var answer = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            Assert.Equal(HealthEndpoints.ReadyPath, context.Request.Url!.AbsolutePath);
            context.Response.StatusCode = 503;
            context.Response.Close();
        }, Ct);

        var output = new StringWriter();
        var exit = await HealthCommand.RunAsync(["health", "--url", $"http://127.0.0.1:{port}"], output, Ct);
        await answer;

        Assert.Equal(HealthCommand.NotReady, exit);
        Assert.Equal($"health: not ready (http://127.0.0.1:{port}/_kms/health/ready answered 503)", output.ToString().Trim());
    }

    [Theory]
    [InlineData("ftp://example.test")]
    [InlineData("not a url")]
    public async Task HealthVerb_WithAUrlThatIsNotHttp_ExitsOneSayingSo(string url)
    {
        var output = new StringWriter();
        var exit = await HealthCommand.RunAsync(["health", "--url", url], output, Ct);

        Assert.Equal(HealthCommand.NotReady, exit);
        Assert.Equal($"health: not ready: '{url}' is not an http:// or https:// URL.", output.ToString().Trim());
    }

    [Theory]
    [InlineData(new[] { "--url", "http://10.1.2.3:9000" }, null, null, "http://10.1.2.3:9000/_kms/health/ready")]
    [InlineData(new[] { "--urls", "http://+:8081" }, "http://0.0.0.0:8080", null, "http://127.0.0.1:8081/_kms/health/ready")]
    [InlineData(new string[0], "http://0.0.0.0:8080", "9999", "http://127.0.0.1:8080/_kms/health/ready")]
    [InlineData(new string[0], "https://*:8443;http://*:8080", null, "http://127.0.0.1:8080/_kms/health/ready")]
    [InlineData(new string[0], "http://[::]:8080", null, "http://[::1]:8080/_kms/health/ready")]
    [InlineData(new string[0], "http://localhost:5000", null, "http://localhost:5000/_kms/health/ready")]
    [InlineData(new string[0], "", "8080", "http://127.0.0.1:8080/_kms/health/ready")]
    [InlineData(new string[0], null, null, "http://localhost:8080/_kms/health/ready")]
    public void HealthVerb_AsksTheServicesOwnAddressOnLoopback(string[] args, string? urls, string? httpPorts, string expected)
    {
        var url = HealthCommand.ReadyUrl(args, name => name switch
        {
            "ASPNETCORE_URLS" => urls,
            "ASPNETCORE_HTTP_PORTS" => httpPorts,
            _ => null,
        });
        Assert.Equal(new Uri(expected), url);
    }

    /// <summary>The Dockerfile's runtime environment with the image's paths made local: the data volume a fresh
    /// temporary folder, the mounted root key secret a fresh key file (left out when <paramref name="rootKeyFile"/>
    /// is false, so that the image's own path stays and is missing), and port 8080 a free loopback port.</summary>
    private static Dictionary<string, string> ImageEnvironment(bool rootKeyFile = true)
    {
        var env = new Dictionary<string, string>(Dockerfile.Load().Runtime.Environment(), StringComparer.Ordinal);
        var dir = Directory.CreateTempSubdirectory("kms-container-").FullName;
        env["Kms__DataDir"] = Path.Combine(dir, "data");
        if (rootKeyFile)
        {
            var keyFile = Path.Combine(dir, "kms-root-key");
            File.WriteAllText(keyFile, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            env["Kms__RootKeyFile"] = keyFile;
        }

        // The address the image sets, on a free port: it must win over the service's default (appsettings.json used
        // to override ASPNETCORE_URLS, so the container listened on its own localhost only).
        Assert.Equal("http://0.0.0.0:8080", env["ASPNETCORE_URLS"]);
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        return env;
    }

    private static async Task AssertEncryptDecryptAsync(Uri url)
    {
        using var kms = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(ExampleSeed.AppAccessKey, ExampleSeed.AppSecret),
            new AmazonKeyManagementServiceConfig { ServiceURL = url.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var context = new Dictionary<string, string> { ["purpose"] = "container" };
        var encrypted = await kms.EncryptAsync(new EncryptRequest
        {
            KeyId = ExampleSeed.AliasName,
            Plaintext = new MemoryStream("hello from the image"u8.ToArray()),
            EncryptionContext = context,
        }, Ct);
        var decrypted = await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, EncryptionContext = context }, Ct);
        Assert.Equal("hello from the image", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));

        // The example role may use keys, not manage them: its identity policy is enforced in Production.
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.CreateKeyAsync(new CreateKeyRequest(), Ct));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);

        // No unknown access keys in Production.
        using var stranger = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials("test", "test"),
            new AmazonKeyManagementServiceConfig { ServiceURL = url.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => stranger.ListKeysAsync(new ListKeysRequest(), Ct));
        Assert.Equal("UnrecognizedClientException", refused.ErrorCode);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>KmsService.dll as the image runs it (<c>dotnet KmsService.dll</c>), in a clean environment.</summary>
    private sealed class ServiceProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly Dictionary<string, string> _environment;

        private ServiceProcess(Process process, Dictionary<string, string> environment)
        {
            _process = process;
            _environment = environment;
            Url = new Uri(environment["ASPNETCORE_URLS"]);
        }

        public Uri Url { get; }

        public static Task<ServiceProcess> StartAsync(Dictionary<string, string> environment)
        {
            var process = Process.Start(StartInfo(environment, []))!;
            var service = new ServiceProcess(process, environment);
            process.OutputDataReceived += (_, e) => service.Append(e.Data);
            process.ErrorDataReceived += (_, e) => service.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return Task.FromResult(service);
        }

        public static Task<(int ExitCode, string StandardOutput, string StandardError)> RunToExitAsync(
            Dictionary<string, string> environment, params string[] args) =>
            ChildProcess.RunAsync(StartInfo(environment, args), Ct);

        /// <summary>Runs the image's HEALTHCHECK command (the health verb, same environment) until it passes.</summary>
        public async Task WaitUntilHealthyAsync()
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"The service exited ({_process.ExitCode}): {Output}");
                }

                var check = await RunToExitAsync(_environment, "health");
                if (check.ExitCode == HealthCommand.Ready)
                {
                    Assert.StartsWith($"health: ready ({Url}", check.StandardOutput, StringComparison.Ordinal);
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"Not healthy within 60 s: {check.StandardOutput} {Output}");
                await Task.Delay(250, Ct);
            }
        }

        /// <summary>Production's log: no secret access key, no root key, and no warning about the listening address.</summary>
        public void AssertLogsKeepSecrets()
        {
            var output = Output;
            Assert.DoesNotContain(ExampleSeed.AppSecret, output, StringComparison.Ordinal);
            Assert.DoesNotContain(ExampleSeed.RootSecret, output, StringComparison.Ordinal);
            var rootKeyFile = _environment.GetValueOrDefault("Kms__RootKeyFile") ?? Path.Combine(_environment["Kms__DataDir"], "root.key");
            Assert.DoesNotContain(File.ReadAllText(rootKeyFile).Trim(), output, StringComparison.Ordinal);
            Assert.DoesNotContain("Overriding", output, StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        private static ProcessStartInfo StartInfo(Dictionary<string, string> environment, string[] args)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(KmsApp).Assembly.Location);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            // Nothing of the test host's own settings leaks in: only what the image sets.
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("Kms__", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase) || k == "KMS_LAUNCH_ENVIRONMENT").ToList())
            {
                start.Environment.Remove(name);
            }

            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            return start;
        }
    }
}
