using KmsService.Hosting;
using KmsService.Seed;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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
        var e = await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(seedFile: TestSeed.Write(), extraArgs: ["--environment", "Production"]));
        Assert.Contains("Kms:RootKeyFile", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InProductionWithoutIdentities_FailsSayingWhatToDeclare()
    {
        var rootKey = Convert.ToBase64String(new byte[32]);
        var e = await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(extraArgs: ["--environment", "Production", "--Kms:RootKey", rootKey]));
        Assert.StartsWith("No identities", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InProduction_HasNoBuiltInCredentials()
    {
        var rootKey = Convert.ToBase64String(new byte[32]);
        await using var server = await KmsServer.StartAsync(seedFile: TestSeed.Write(), extraArgs: ["--environment", "Production", "--Kms:RootKey", rootKey]);
        var e = await Assert.ThrowsAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            server.Client().ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), TestContext.Current.CancellationToken));
        Assert.Equal("UnrecognizedClientException", e.ErrorCode);
    }

    [Fact]
    public async Task Start_OnTheEmbeddedStore_KeepsItsFilesFromOtherUsers()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dataDir = Path.Combine(Directory.CreateTempSubdirectory().FullName, "data");
        await using (var server = await KmsServer.StartAsync(dataDir: dataDir))
        {
            await server.Client().CreateKeyAsync(new Amazon.KeyManagementService.Model.CreateKeyRequest(), TestContext.Current.CancellationToken);
            const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(OwnerReadWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir));
            foreach (var name in new[] { "kms.db", "kms.db-wal", "kms.db-shm", "root.key" })
            {
                Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(dataDir, name)));
            }
        }

        // A store file made readable by others (a copy, a restore) is narrowed again at the next start.
        File.SetUnixFileMode(Path.Combine(dataDir, "kms.db"), (UnixFileMode)Convert.ToInt32("644", 8));
        await using (await KmsServer.StartAsync(dataDir: dataDir))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "kms.db")));
        }
    }

    [Fact]
    public async Task Start_WithRootKeyOnTheCommandLine_KeepsNoCopyOfItsText()
    {
        var rootKey = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        await using var server = await KmsServer.StartAsync(extraArgs: ["--Kms:RootKey", rootKey]);
        Assert.Null(server.Services.GetRequiredService<KmsOptions>().RootKey);
        Assert.Null(server.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Kms:RootKey"]);
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

/// <summary>Seeded keys may declare their state, rotation, tags and a chain of materials (rotated keys in CI).</summary>
public sealed class SeedKeyLifecycleTests
{
    private const string KeyId = "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b";
    private const string M1 = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    private const string M2 = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> WriteSeedAsync(string materials, string extra = "")
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("kms-seed-").FullName, "seed.yaml");
        await File.WriteAllTextAsync(path, $"""
            keys:
              - account: "000000000000"
                keyId: {KeyId}
                material: {materials}
            {extra}
            """, Ct);
        return path;
    }

    [Fact]
    public async Task SeededChain_DecryptsCiphertextsOfEarlierMaterialAndEncryptsUnderTheLast()
    {
        byte[] oldBlob;
        await using (var first = await KmsServer.StartAsync(seedFile: await WriteSeedAsync(M1)))
        {
            oldBlob = (await first.Client().EncryptAsync(new Amazon.KeyManagementService.Model.EncryptRequest
            {
                KeyId = KeyId,
                Plaintext = new MemoryStream([5, 5]),
            }, Ct)).CiphertextBlob.ToArray();
        }

        // A fresh database, seeded with the rotated chain.
        await using var server = await KmsServer.StartAsync(seedFile: await WriteSeedAsync($"[ {M1}, {M2} ]"));
        var kms = server.Client();
        var old = await kms.DecryptAsync(new Amazon.KeyManagementService.Model.DecryptRequest { CiphertextBlob = new MemoryStream(oldBlob) }, Ct);
        Assert.Equal([5, 5], old.Plaintext.ToArray());

        var described = (await kms.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = KeyId }, Ct)).KeyMetadata;
        Assert.NotEqual(old.KeyMaterialId, described.CurrentKeyMaterialId);
        var rotations = await kms.ListKeyRotationsAsync(new Amazon.KeyManagementService.Model.ListKeyRotationsRequest { KeyId = KeyId }, Ct);
        Assert.Equal(described.CurrentKeyMaterialId, Assert.Single(rotations.Rotations).KeyMaterialId);
    }

    [Fact]
    public async Task SeededKey_StateRotationAndTags_AreApplied()
    {
        var seed = await WriteSeedAsync(M1, """
                enabled: false
                rotation: { enabled: true, periodInDays: 180 }
                tags: { team: payments, env: ci }
            """);
        await using var server = await KmsServer.StartAsync(seedFile: seed);
        var kms = server.Client();

        var key = (await kms.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = KeyId }, Ct)).KeyMetadata;
        Assert.Equal(Amazon.KeyManagementService.KeyState.Disabled, key.KeyState);
        var rotation = await kms.GetKeyRotationStatusAsync(new Amazon.KeyManagementService.Model.GetKeyRotationStatusRequest { KeyId = KeyId }, Ct);
        Assert.True(rotation.KeyRotationEnabled);
        Assert.Equal(180, rotation.RotationPeriodInDays);
        var tags = await kms.ListResourceTagsAsync(new Amazon.KeyManagementService.Model.ListResourceTagsRequest { KeyId = KeyId }, Ct);
        Assert.Equal(["env=ci", "team=payments"], tags.Tags.Select(t => $"{t.TagKey}={t.TagValue}"));
    }

    [Fact]
    public async Task SeededKeyPairAndHmacKey_HaveTheirSpecUsageAndPinnedMaterial()
    {
        using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var pkcs8 = Convert.ToBase64String(ec.ExportPkcs8PrivateKey());
        var hmac = Convert.ToBase64String(new byte[64]);
        var path = Path.Combine(Directory.CreateTempSubdirectory("kms-seed-").FullName, "seed.yaml");
        await File.WriteAllTextAsync(path, $"""
            keys:
              - account: "000000000000"
                keyId: {KeyId}
                keySpec: ECC_NIST_P256
                keyUsage: SIGN_VERIFY
                material: {pkcs8}
              - account: "000000000000"
                keyId: 8b2d3f4a-5c6e-4f70-9bac-1d2e3f4a5b6c
                keySpec: HMAC_512
                material: {hmac}
            """, Ct);

        await using var server = await KmsServer.StartAsync(seedFile: path);
        var kms = server.Client();
        var pair = (await kms.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = KeyId }, Ct)).KeyMetadata;
        Assert.Equal("ECC_NIST_P256", pair.KeySpec.Value);
        Assert.Equal("SIGN_VERIFY", pair.KeyUsage.Value);
        Assert.Equal(["ECDSA_SHA_256"], pair.SigningAlgorithms);
        var mac = (await kms.DescribeKeyAsync(new Amazon.KeyManagementService.Model.DescribeKeyRequest { KeyId = "8b2d3f4a-5c6e-4f70-9bac-1d2e3f4a5b6c" }, Ct)).KeyMetadata;
        Assert.Equal("HMAC_512", mac.KeySpec.Value);
        Assert.Equal("GENERATE_VERIFY_MAC", mac.KeyUsage.Value);

        // Started again on the same store with another spec for the key: refused, a key's spec cannot change.
        var changed = (await File.ReadAllTextAsync(path, Ct)).Replace("HMAC_512", "HMAC_256", StringComparison.Ordinal)
            .Replace(hmac, Convert.ToBase64String(new byte[32]), StringComparison.Ordinal);
        var other = Path.Combine(Path.GetDirectoryName(path)!, "changed.yaml");
        await File.WriteAllTextAsync(other, changed, Ct);
        var e = await Assert.ThrowsAsync<SeedFileException>(() => KmsServer.StartAsync(seedFile: other, dataDir: server.DataDir));
        Assert.Contains("a key's spec and usage cannot change", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rotation: { periodInDays: 30 }", "$.keys[0].rotation.periodInDays: must be from 90 to 2560 days")]
    [InlineData("enabled: maybe", "$.keys[0].enabled: must be true or false")]
    [InlineData("tags: { \"aws:x\": y }", "$.keys[0].tags.aws:x: tag keys beginning with aws: are reserved")]
    public async Task SeededKey_InvalidLifecycleMembers_StopStartUp(string member, string expected)
    {
        var seed = await WriteSeedAsync(M1, "    " + member);
        var e = await Assert.ThrowsAsync<SeedFileException>(() => KmsServer.StartAsync(seedFile: seed));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
