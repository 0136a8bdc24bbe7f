using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Storage;

/// <summary>A store is bound to the root key it was written under: another root key stops start-up with a message
/// before anything is changed, on both stores.</summary>
public abstract class RootKeyCheckTests
{
    private static readonly string RootKeyA = Convert.ToBase64String(Enumerable.Repeat((byte)0xA1, 32).ToArray());
    private static readonly string RootKeyB = Convert.ToBase64String(Enumerable.Repeat((byte)0xB2, 32).ToArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh store: its connection string (null for SQLite) and its data folder.</summary>
    protected abstract Task<(string? ConnectionString, string DataDir, IAsyncDisposable? Owner)> NewStoreAsync();

    [Fact]
    public async Task Start_WithAnotherRootKey_StopsBeforeTouchingTheStore()
    {
        var (cs, dataDir, owner) = await NewStoreAsync();
        await using var _ = owner;
        string keyId;
        await using (var first = await KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyA]))
        {
            keyId = (await first.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata.KeyId;
        }

        var e = await Assert.ThrowsAsync<StartupException>(() =>
            KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyB]));
        Assert.StartsWith("The root key is not the one this store was written under", e.Message, StringComparison.Ordinal);

        // The original key still works, and no key was wrapped under the other root key in between.
        await using var again = await KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyA]);
        await again.Client().EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1]) }, Ct);
        Assert.Single((await again.Client().ListKeysAsync(new ListKeysRequest(), Ct)).Keys);
    }

    [Fact]
    public async Task Start_OnAStoreWrittenBeforeKeyCheckValues_ChecksABackingKey()
    {
        var (cs, dataDir, owner) = await NewStoreAsync();
        await using var _ = owner;
        await using (var first = await KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyA]))
        {
            await first.Client().CreateKeyAsync(new CreateKeyRequest(), Ct);
            await using var db = first.Services.GetRequiredService<KmsDbFactory>().Create();
            await db.StoreMeta.ExecuteDeleteAsync(Ct);
        }

        // Without a recorded value, a backing key that does not unwrap tells that the root key is another one.
        await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyB]));

        // The right key records the value again.
        await using var again = await KmsServer.StartAsync(cs, dataDir: dataDir, extraArgs: ["--Kms:RootKey", RootKeyA]);
        await using var check = again.Services.GetRequiredService<KmsDbFactory>().Create();
        Assert.True(await check.StoreMeta.AnyAsync(m => m.Name == RootKeyCheck.MetaName, Ct));
    }

    [Fact]
    public async Task Start_InDevelopmentAfterTheKeyFileWasLost_StopsAndLeavesNoNewKeyFile()
    {
        var (cs, dataDir, owner) = await NewStoreAsync();
        await using var _ = owner;
        var keyFile = Path.Combine(dataDir, "root.key");
        await using (await KmsServer.StartAsync(cs, dataDir: dataDir))
        {
        }

        var original = await File.ReadAllBytesAsync(keyFile, Ct);
        File.Delete(keyFile);

        var e = await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(cs, dataDir: dataDir));
        Assert.Contains("Start with the original root key", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(keyFile));

        await File.WriteAllBytesAsync(keyFile, original, Ct);
        await using (await KmsServer.StartAsync(cs, dataDir: dataDir))
        {
        }
    }
}

public sealed class RootKeyCheckTests_Sqlite : RootKeyCheckTests
{
    protected override Task<(string? ConnectionString, string DataDir, IAsyncDisposable? Owner)> NewStoreAsync() =>
        Task.FromResult<(string?, string, IAsyncDisposable?)>((null, Directory.CreateTempSubdirectory("kms-rootkey-").FullName, null));
}

public sealed class RootKeyCheckTests_Postgres : RootKeyCheckTests
{
    protected override async Task<(string? ConnectionString, string DataDir, IAsyncDisposable? Owner)> NewStoreAsync()
    {
        var database = await PostgresDatabase.CreateOrSkipAsync();

        return (database.ConnectionString, Directory.CreateTempSubdirectory("kms-rootkey-").FullName, database);
    }
}
