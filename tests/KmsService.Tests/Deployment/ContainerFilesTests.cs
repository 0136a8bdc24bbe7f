using System.Text.RegularExpressions;
using KmsService.Hosting;
using KmsService.Seed;
using KmsService.Tests.Infrastructure;
using YamlDotNet.Serialization;

namespace KmsService.Tests.Deployment;

/// <summary>The Dockerfile, docker-compose.yml, their mounted files and the GitHub workflow, checked without a Docker
/// engine against what the service really reads: every <c>Kms__*</c> name is an option of the code, the health
/// check asks the readiness endpoint on the port the image listens on, the runtime runs as non-root, and every file
/// mounted exists.</summary>
public sealed partial class ContainerFilesTests
{
    private static readonly Dockerfile Docker = Dockerfile.Load();
    private static readonly ComposeFile Compose = ComposeFile.Load();

    [Fact]
    public void Dockerfile_SetsOnlyOptionsTheServiceReads()
    {
        var env = Docker.Runtime.Environment();
        Assert.Contains("Kms__DataDir", env.Keys);
        AssertEveryKmsNameIsRead(env.Keys, "Dockerfile");
    }

    [Fact]
    public void Compose_KmsServices_SetOnlyOptionsTheServiceReads()
    {
        Assert.NotEmpty(Compose.KmsServices);
        foreach (var (name, service) in Compose.KmsServices)
        {
            AssertEveryKmsNameIsRead(ComposeFile.Environment(service).Keys, $"docker-compose.yml service {name}");
        }
    }

    [Fact]
    public void ConfigurationNameCheck_RefusesNamesTheServiceDoesNotRead()
    {
        // The check itself: a misspelt or invented name is caught, an entry of a list or map option is not.
        Assert.False(ConfigurationOptions.IsRead("Kms:DataDirectory"));
        Assert.False(ConfigurationOptions.IsRead("Kms:Store:Kind"));
        Assert.False(ConfigurationOptions.IsRead("ConnectionStrings:Default"));
        Assert.True(ConfigurationOptions.IsRead("Kms:ResetPrincipals:0"));
        Assert.True(ConfigurationOptions.IsRead("Kms:RateLimits:Operations:CreateKey"));
        Assert.True(ConfigurationOptions.IsRead("kms:audit:enabled"));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertEveryKmsNameIsRead(["Kms__SeedFiles"], "test"));
    }

    [Fact]
    public void Dockerfile_BuildsOnTheDotnet10SdkAndRunsOnTheAspNet10RuntimeImage()
    {
        Assert.True(Docker.Stages.Count >= 2, "a multi-stage build");
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", Docker.Stages[0].Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:10.0", Docker.Runtime.Image, StringComparison.Ordinal);
        Assert.Contains("<TargetFramework>net10.0</TargetFramework>", RepositoryFiles.Read("Directory.Build.props"), StringComparison.Ordinal);

        // The chiseled image has no ICU: the service must not need it.
        Assert.Contains("<InvariantGlobalization>true</InvariantGlobalization>", RepositoryFiles.Read("Directory.Build.props"), StringComparison.Ordinal);
        Assert.Equal("true", Docker.Runtime.Environment()["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"]);

        var publish = Assert.Single(Docker.Stages[0].All("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("src/KmsService/KmsService.csproj", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("-c Release", publish.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_RuntimeStage_RunsAsNonRoot()
    {
        var user = Docker.Runtime.All("USER").LastOrDefault();
        Assert.NotNull(user);
        var name = user.Arguments.Split(':')[0];
        Assert.False(name is "root" or "0", $"the runtime stage runs as {name}");

        // Whatever it writes (the data folder) belongs to that user.
        var volume = Assert.Single(Docker.Runtime.All("VOLUME"));
        var copy = Assert.Single(Docker.Runtime.All("COPY"), c => c.Arguments.TrimEnd().EndsWith(" " + Volume(volume), StringComparison.Ordinal));
        Assert.Contains($"--chown={name}", copy.Arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_Defaults_AreProductionOnAllInterfacesPort8080_WithTheDataFolderAVolume_AndNoCredentials()
    {
        var env = Docker.Runtime.Environment();
        Assert.Equal("Production", env["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("http://0.0.0.0:8080", env["ASPNETCORE_URLS"]);
        Assert.Equal("", env["ASPNETCORE_HTTP_PORTS"]); // else Kestrel warns that ASPNETCORE_URLS overrides it
        Assert.Equal("8080", Assert.Single(Docker.Runtime.All("EXPOSE")).Arguments);
        Assert.Equal(env["Kms__DataDir"], Volume(Assert.Single(Docker.Runtime.All("VOLUME"))));

        // No built-in credentials: no root key (the operator mounts one and names it), no identities, no unknown
        // access keys, no reset endpoint.
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("Kms__RootKey", StringComparison.Ordinal));
        Assert.DoesNotContain("Kms__SeedFile", env.Keys);
        Assert.DoesNotContain("Kms__AllowUnknownAccessKeys", env.Keys);
        Assert.DoesNotContain("Kms__EnableResetEndpoint", env.Keys);
    }

    [Fact]
    public void Dockerfile_Healthcheck_RunsTheHealthVerbAgainstTheReadinessEndpointOfTheExposedPort()
    {
        var entrypoint = Assert.Single(Docker.Runtime.All("ENTRYPOINT")).ExecForm();
        Assert.NotNull(entrypoint);
        Assert.Equal(["dotnet", $"/app/{typeof(KmsApp).Assembly.GetName().Name}.dll"], entrypoint);
        Assert.Equal("/app", Assert.Single(Docker.Runtime.All("WORKDIR")).Arguments);

        var healthcheck = Assert.Single(Docker.Runtime.All("HEALTHCHECK"));
        Assert.Contains(" CMD [", healthcheck.Arguments, StringComparison.Ordinal); // exec form: there is no shell
        Assert.Equal([.. entrypoint, "health"], healthcheck.ExecForm() ?? []);

        // What the health verb asks, in the image's environment.
        var env = Docker.Runtime.Environment();
        var url = HealthCommand.ReadyUrl([], name => env.GetValueOrDefault(name));
        Assert.Equal(new Uri($"http://127.0.0.1:8080{HealthEndpoints.ReadyPath}"), url);
        Assert.Equal("/_kms/health/ready", HealthEndpoints.ReadyPath);
        Assert.Contains("health [--url <base url>]", CommandLine.Help, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CopiesOnlyFilesThatExistAndThatDockerignoreLetsThrough()
    {
        var ignored = RepositoryFiles.Read(".dockerignore").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var copy in Docker.Stages.SelectMany(s => s.All("COPY")).Where(c => !c.Arguments.Contains("--from=", StringComparison.Ordinal)))
        {
            var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in parts[..^1])
            {
                var path = RepositoryFiles.PathOf(source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"Dockerfile line {copy.Line} copies '{source}', which does not exist.");
                var top = source.TrimEnd('/').Split('/')[0];
                Assert.DoesNotContain(ignored, p => p.TrimEnd('/') == top || p.TrimEnd('/') == source.TrimEnd('/'));
            }
        }
    }

    [Fact]
    public void Compose_KmsServices_UsePostgres15WithAMatchingConnectionString_OnceItIsHealthy()
    {
        foreach (var (name, service) in Compose.KmsServices)
        {
            var env = ComposeFile.Environment(service);
            Assert.Equal("postgres", env["Kms__Store"]);
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(env["ConnectionStrings__Kms"]);
            var database = ComposeFile.Service(Compose.Services, connection.Host!);
            Assert.Equal("postgres:15", database["image"]);
            var dbEnv = ComposeFile.Environment(database);
            Assert.Equal(dbEnv["POSTGRES_DB"], connection.Database);
            Assert.Equal(dbEnv["POSTGRES_USER"], connection.Username);
            Assert.Equal(dbEnv["POSTGRES_PASSWORD"], connection.Password);
            Assert.Equal(5432, connection.Port);

            var dependsOn = ComposeFile.Map(service, "depends_on");
            Assert.Equal("service_healthy", ComposeFile.Map(dependsOn, connection.Host!)["condition"]);
            Assert.True(database.ContainsKey("healthcheck"), $"{name} waits for {connection.Host}'s healthcheck");
        }
    }

    [Fact]
    public void Compose_SeedFileAndRootKey_AreTheMountedSeedAndSecret()
    {
        var secrets = ComposeFile.Map(Compose.Root, "secrets");
        foreach (var (name, service) in Compose.KmsServices)
        {
            var env = ComposeFile.Environment(service);
            var mounts = ComposeFile.Mounts(service).ToList();
            var seed = Assert.Single(mounts, m => m.Target == env["Kms__SeedFile"]);
            Assert.StartsWith("./deploy/", seed.Source, StringComparison.Ordinal);

            var secret = Assert.Single(ComposeFile.List(service, "secrets"));
            Assert.True(secrets.ContainsKey(secret), $"{name}: secret {secret} is declared");
            Assert.Equal($"/run/secrets/{secret}", env["Kms__RootKeyFile"]);
        }
    }

    [Fact]
    public void Compose_MountsOnlyFilesOfTheRepository_ExceptTheRootKeyTheOperatorGenerates()
    {
        foreach (var (name, service) in Compose.Services.Select(s => ((string)s.Key, (IReadOnlyDictionary<object, object>)(Dictionary<object, object>)s.Value)))
        {
            foreach (var (source, _) in ComposeFile.Mounts(service).Where(m => m.Source.StartsWith('.')))
            {
                Assert.True(File.Exists(RepositoryFiles.PathOf(source)), $"service {name} mounts {source}, which is not in the repository.");
            }
        }

        foreach (var (secretName, secret) in ComposeFile.Map(Compose.Root, "secrets"))
        {
            var file = (string)((Dictionary<object, object>)secret)["file"];
            Assert.StartsWith("./deploy/secrets/", file, StringComparison.Ordinal);
            // Never committed: the folder ignores everything but its .gitignore, and the README says how to make it.
            Assert.Contains("*", RepositoryFiles.Read("deploy/secrets/.gitignore").Split('\n').Select(l => l.Trim()));
            Assert.False(File.Exists(RepositoryFiles.PathOf(file)) && IsTracked(file), $"secret {secretName} ({file}) is committed.");
            Assert.Contains($"openssl rand -base64 32 > {file[2..]}", RepositoryFiles.Read("README.md"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Compose_EveryService_HasAHealthcheck_AndKmsItsImagesCheck()
    {
        var imageCheck = Assert.Single(Docker.Runtime.All("HEALTHCHECK")).ExecForm()!;
        foreach (var (name, value) in Compose.Services)
        {
            var service = (Dictionary<object, object>)value;
            var healthcheck = ComposeFile.Map(service, "healthcheck");
            Assert.True(healthcheck.ContainsKey("test"), $"service {name} has a healthcheck test");
        }

        foreach (var (name, service) in Compose.KmsServices)
        {
            var test = ComposeFile.List(ComposeFile.Map(service, "healthcheck"), "test");
            Assert.Equal(["CMD", .. imageCheck], test);
        }
    }

    [Fact]
    public void Compose_DefaultProfile_PublishesOneInstanceOn8080()
    {
        var single = Compose.KmsServices.Where(s => !s.Service.ContainsKey("profiles")).ToList();
        var (_, kms) = Assert.Single(single);
        Assert.Equal(["8080:8080"], ComposeFile.List(kms, "ports"));
    }

    [Fact]
    public void Compose_ClusterProfile_PutsTwoInstancesBehindOneProxyPort()
    {
        var cluster = Compose.Services
            .Select(s => ((string)s.Key, (IReadOnlyDictionary<object, object>)(Dictionary<object, object>)s.Value))
            .Where(s => ComposeFile.List(s.Item2, "profiles").Contains("cluster"))
            .ToList();
        var instances = cluster.Where(s => Compose.KmsServices.Any(k => k.Name == s.Item1)).Select(s => s.Item1).ToList();
        Assert.Equal(2, instances.Count);
        var (proxyName, proxy) = Assert.Single(cluster, s => !instances.Contains(s.Item1));
        Assert.StartsWith("nginx:", (string)proxy["image"], StringComparison.Ordinal);
        var published = Assert.Single(ComposeFile.List(proxy, "ports"));
        Assert.NotEqual("8080", published.Split(':')[0]); // the default profile's instance has 8080
        foreach (var instance in instances)
        {
            Assert.Equal("service_healthy", ComposeFile.Map(ComposeFile.Map(proxy, "depends_on"), instance)["condition"]);
            Assert.False(ComposeFile.Service(Compose.Services, instance).ContainsKey("ports"), $"{instance} is reached through {proxyName} only");
        }

        // The proxy's configuration: exactly these instances on the port the image listens on, the proxy on the
        // port compose publishes, and the Host header passed on unchanged (SigV4 signs it).
        var (confSource, confTarget) = Assert.Single(ComposeFile.Mounts(proxy));
        Assert.Equal("/etc/nginx/nginx.conf", confTarget.Split(':')[0]);
        var conf = RepositoryFiles.Read(confSource[2..]);
        var upstreams = UpstreamServer().Matches(conf).Select(m => m.Groups["host"].Value + ":" + m.Groups["port"].Value).ToList();
        Assert.Equal(instances.Select(i => i + ":8080").Order(), upstreams.Order());
        Assert.Contains($"listen {published.Split(':')[1]};", conf, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Host $http_host;", conf, StringComparison.Ordinal);
    }

    [Fact]
    public void ExampleSeed_IsAValidSeedFile_ThatSaysItIsAnExample()
    {
        var text = RepositoryFiles.Read("deploy/seed.yaml");
        Assert.StartsWith("# EXAMPLE ONLY.", text, StringComparison.Ordinal);
        var seed = SeedFileReader.Parse(text, yaml: true, "deploy/seed.yaml");
        Assert.NotEmpty(seed.Accounts);
        Assert.Contains(ExampleSeed.AliasName, text, StringComparison.Ordinal);
        Assert.Contains(ExampleSeed.AppAccessKey, text, StringComparison.Ordinal);
        Assert.Contains(ExampleSeed.AppSecret, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Workflow_TestsOnBothStores_ChecksFormat_LintsAndBuildsAndSmokeTestsTheImage()
    {
        var workflow = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(RepositoryFiles.Read(".github/workflows/ci.yml"));
        var on = ComposeFile.Map(workflow, "on");
        Assert.True(on.ContainsKey("push") && on.ContainsKey("pull_request"));
        var jobs = ComposeFile.Map(workflow, "jobs");

        var test = ComposeFile.Map(jobs, "test");
        Assert.Equal("postgres:15", ComposeFile.Map(ComposeFile.Map(test, "services"), "postgres")["image"]);
        var env = ComposeFile.Map(test, "env");
        Assert.Equal("1", env["KMS_TEST_REQUIRE_POSTGRES"]);
        var ci = RepositoryFiles.Read(".ci/run");
        Assert.Contains($"KMS_TEST_POSTGRES=\"{env["KMS_TEST_POSTGRES"]}\"", ci, StringComparison.Ordinal);
        var steps = Steps(test);
        Assert.Contains(steps, s => s.GetValueOrDefault("uses") is "actions/setup-dotnet@v4"
            && ComposeFile.Map(s, "with")["global-json-file"] is "global.json");
        Assert.Contains(steps, s => Run(s).Contains("dotnet format", StringComparison.Ordinal) && Run(s).Contains("--verify-no-changes", StringComparison.Ordinal));
        Assert.Contains(steps, s => Run(s).StartsWith("dotnet build", StringComparison.Ordinal));
        Assert.Contains(steps, s => Run(s).StartsWith("dotnet test", StringComparison.Ordinal));

        Assert.Contains(Steps(ComposeFile.Map(jobs, "container-lint")), s => Run(s).Contains(".ci/lint-containers", StringComparison.Ordinal));

        var image = Steps(ComposeFile.Map(jobs, "image"));
        Assert.Contains(image, s => s.GetValueOrDefault("uses") is string u && u.StartsWith("docker/build-push-action@", StringComparison.Ordinal));
        Assert.Contains(image, s => Run(s).Contains("docker run", StringComparison.Ordinal) && Run(s).Contains(".ci/smoke-kms", StringComparison.Ordinal));
        Assert.Contains(image, s => Run(s).Contains("docker compose up", StringComparison.Ordinal));
        Assert.Contains(image, s => Run(s).Contains("docker compose --profile cluster up", StringComparison.Ordinal));
        Assert.Contains("aws kms encrypt", RepositoryFiles.Read(".ci/smoke-kms"), StringComparison.Ordinal);

        // The smoke test signs with the example seed's role.
        var imageEnv = ComposeFile.Map(ComposeFile.Map(jobs, "image"), "env");
        Assert.Equal(ExampleSeed.AppAccessKey, imageEnv["AWS_ACCESS_KEY_ID"]);
        Assert.Equal(ExampleSeed.AppSecret, imageEnv["AWS_SECRET_ACCESS_KEY"]);
    }

    [Fact]
    public void CiRun_LintsTheContainerFiles()
    {
        var ci = RepositoryFiles.Read(".ci/run");
        Assert.Contains("bash .ci/lint-containers", ci, StringComparison.Ordinal);
        var lint = RepositoryFiles.Read(".ci/lint-containers");
        Assert.Contains("dockerfilelint\" Dockerfile", lint, StringComparison.Ordinal);
        Assert.Contains("validate-compose.cjs docker-compose.yml", lint, StringComparison.Ordinal);
        Assert.Contains("--profile cluster config -q", lint, StringComparison.Ordinal);
    }

    private static List<Dictionary<object, object>> Steps(IReadOnlyDictionary<object, object> job) =>
        ((List<object>)job["steps"]).Cast<Dictionary<object, object>>().ToList();

    private static string Run(Dictionary<object, object> step) => step.GetValueOrDefault("run") as string ?? "";

    private static string Volume(DockerInstruction volume) =>
        volume.ExecForm() is { } list ? Assert.Single(list) : volume.Arguments.Trim();

    private static void AssertEveryKmsNameIsRead(IEnumerable<string> names, string where)
    {
        foreach (var name in names.Where(n => n.StartsWith("Kms__", StringComparison.OrdinalIgnoreCase)
            || n.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)))
        {
            var option = name.Replace("__", ":", StringComparison.Ordinal);
            Assert.True(ConfigurationOptions.IsRead(option), $"{where} sets {name}, but the service reads no option {option}.");
        }
    }

    private static bool IsTracked(string relative)
    {
        using var git = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("git", ["ls-files", "--error-unmatch", relative])
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        git.WaitForExit();
        return git.ExitCode == 0;
    }

    [GeneratedRegex(@"^\s*server\s+(?<host>[A-Za-z0-9._-]+):(?<port>\d+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();
}

/// <summary>What deploy/seed.yaml declares, for the tests that sign with it (the workflow's smoke test uses the same).</summary>
public static class ExampleSeed
{
    public const string RootAccessKey = "AKIAEXAMPLE000000001";
    public const string RootSecret = "example-only-secret-do-not-use-0000000001";
    public const string AppAccessKey = "AKIAEXAMPLE000000002";
    public const string AppSecret = "example-only-secret-do-not-use-0000000002";
    public const string AliasName = "alias/example";
}
