using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using DotNet.Testcontainers.Builders;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Deployment;

/// <summary>The README's Testcontainers recipe, compiled here against the Testcontainers package and run where an
/// image built from the Dockerfile and a Docker engine exist (<c>KMS_TEST_IMAGE</c>, as the workflow's image job sets
/// it); the README must show exactly the lines between the markers.</summary>
public sealed class TestcontainersRecipeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Recipe_StartsTheImageWithTheExampleSeed_AndEncrypts()
    {
        var image = Environment.GetEnvironmentVariable("KMS_TEST_IMAGE");
        if (string.IsNullOrWhiteSpace(image))
        {
            Assert.Skip("Needs KMS_TEST_IMAGE (an image built from the Dockerfile) and a Docker engine; the workflow's image job sets it.");
        }

        var seedFile = RepositoryFiles.PathOf("deploy/seed.yaml");

        // The README shows the calls without this test's cancellation token.
#pragma warning disable xUnit1051
        // README: Testcontainers
        var rootKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var kms = new ContainerBuilder(image) // e.g. "kmsservice:local", from `docker build -t kmsservice:local .`
            .WithPortBinding(8080, assignRandomHostPort: true)
            .WithResourceMapping(Encoding.ASCII.GetBytes(rootKey), "/run/secrets/kms-root-key")
            .WithResourceMapping(new FileInfo(seedFile), "/etc/kms/")
            .WithEnvironment("Kms__RootKeyFile", "/run/secrets/kms-root-key")
            .WithEnvironment("Kms__SeedFile", "/etc/kms/seed.yaml")
            .WithWaitStrategy(Wait.ForUnixContainer()
                .UntilHttpRequestIsSucceeded(r => r.ForPort(8080).ForPath("/_kms/health/ready")))
            .Build();
        await kms.StartAsync();

        var client = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials("AKIAEXAMPLE000000002", "example-only-secret-do-not-use-0000000002"),
            new AmazonKeyManagementServiceConfig
            {
                ServiceURL = $"http://{kms.Hostname}:{kms.GetMappedPublicPort(8080)}",
                AuthenticationRegion = "us-east-1",
            });
        var blob = (await client.EncryptAsync(new EncryptRequest
        {
            KeyId = "alias/example",
            Plaintext = new MemoryStream("secret"u8.ToArray()),
        })).CiphertextBlob;
        // README: end
#pragma warning restore xUnit1051

        var plain = await client.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
        Assert.Equal("secret", Encoding.UTF8.GetString(plain.Plaintext.ToArray()));
        client.Dispose();
    }

    [Fact]
    public void Readme_ShowsTheCompiledRecipe()
    {
        var source = File.ReadAllLines(RepositoryFiles.PathOf("tests/KmsService.Tests/Deployment/TestcontainersRecipeTests.cs"));
        var start = Array.FindIndex(source, l => l.Trim() == "// README: Testcontainers") + 1;
        var end = Array.FindIndex(source, l => l.Trim() == "// README: end");
        Assert.True(start > 0 && end > start);
        var lines = source[start..end];
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var recipe = string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.Trim()));

        Assert.Contains(recipe, RepositoryFiles.Read("README.md").Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
