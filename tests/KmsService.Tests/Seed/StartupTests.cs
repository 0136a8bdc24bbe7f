using KmsService.Hosting;
using KmsService.Seed;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Seed;

/// <summary>Start-up refuses bad configuration with a message saying what to fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_WithMalformedSeedFile_FailsNamingThePath()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "seed.yaml");
        await File.WriteAllTextAsync(path, "keys: [ { account: \"000000000000\", keyId: nope } ]", TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<SeedFileException>(() => KmsServer.StartAsync(seedFile: path));
        Assert.Contains("$.keys[0].keyId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InProductionWithoutRootKey_FailsSayingWhatToSet()
    {
        var e = await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(extraArgs: ["--environment", "Production"]));
        Assert.Contains("Kms:RootKey", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InProduction_HasNoBuiltInCredentials()
    {
        var rootKey = Convert.ToBase64String(new byte[32]);
        await using var server = await KmsServer.StartAsync(extraArgs: ["--environment", "Production", "--Kms:RootKey", rootKey]);
        var e = await Assert.ThrowsAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            server.Client().ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), TestContext.Current.CancellationToken));
        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
    }

    [Fact]
    public async Task Start_WithSeedMaterialDifferentFromStored_Fails()
    {
        await using var first = await KmsServer.StartAsync(seedFile: TestSeed.Write());
        var changed = TestSeed.Yaml.Replace(TestSeed.PinnedMaterial, Convert.ToBase64String(new byte[32]), StringComparison.Ordinal);
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "seed.yaml");
        await File.WriteAllTextAsync(path, changed, TestContext.Current.CancellationToken);
        var e = await Assert.ThrowsAsync<SeedFileException>(() => KmsServer.StartAsync(seedFile: path, dataDir: first.DataDir));
        Assert.Contains("material differs", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_TwiceWithTheSameSeed_IsIdempotent()
    {
        await using var first = await KmsServer.StartAsync(seedFile: TestSeed.Write());
        await using var second = await KmsServer.StartAsync(seedFile: TestSeed.Write(), dataDir: first.DataDir);
        var keys = await second.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret)
            .ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), TestContext.Current.CancellationToken);
        Assert.Equal([TestSeed.PinnedKeyId, TestSeed.SharedKeyId], keys.Keys.Select(k => k.KeyId).Order());
    }
}
