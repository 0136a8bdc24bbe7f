using System.Text;
using Amazon.KeyManagementService.Model;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Storage;

public abstract class PersistenceTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Ciphertext_AfterRestartOnTheSameStore_StillDecrypts()
    {
        var key = await CreateKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream("survives"u8.ToArray()) }, Ct)).CiphertextBlob;

        // A new process-equivalent: new host, new HSA (root key reloaded from the data folder), empty caches.
        await using var restarted = await Fixture.StartAnotherAsync();
        var result = await restarted.Client().DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
        Assert.Equal("survives", Encoding.UTF8.GetString(result.Plaintext.ToArray()));
    }

    [Fact]
    public async Task KeyCreatedThroughOneInstance_IsUsableThroughAnother()
    {
        await using var second = await Fixture.StartAnotherAsync();
        var key = (await second.Client().CreateKeyAsync(new CreateKeyRequest { Description = "via second" }, Ct)).KeyMetadata;

        var described = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal("via second", described.Description);
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = new MemoryStream([7]) }, Ct)).CiphertextBlob;
        var result = await second.Client().DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
        Assert.Equal([7], result.Plaintext.ToArray());
    }

    [Fact]
    public async Task ConcurrentCreates_OnTwoInstances_AllSucceedAndAreListed()
    {
        await using var second = await Fixture.StartAnotherAsync();
        var region = "sa-east-1";
        var clients = new[] { Server.Client(region: region), second.Client(region: region) };
        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            clients[i % 2].CreateKeyAsync(new CreateKeyRequest(), Ct)));

        var listed = await clients[0].ListKeysAsync(new ListKeysRequest { Limit = 1000 }, Ct);
        Assert.Equal(created.Select(c => c.KeyMetadata.KeyId).Order(), listed.Keys.Select(k => k.KeyId).Order());
    }

    [Fact]
    public async Task BackingKeys_AreStoredOnlyWrapped()
    {
        var pinned = Convert.FromBase64String(TestSeed.PinnedMaterial);
        var factory = Server.Services.GetRequiredService<KmsDbFactory>();
        await using var db = factory.Create();
        // Imported material that was deleted or expired has no wrapped form at all (other tests make some).
        var rows = (await db.BackingKeys.AsNoTracking().ToListAsync(Ct)).Where(r => r.Wrapped is not null).Select(r => r.Wrapped!).ToList();

        Assert.NotEmpty(rows);
        Assert.All(rows, wrapped =>
        {
            // 0x01 | IV | 32-byte key | tag for symmetric keys; 0x02 | IV | material | tag for key pairs and HMAC keys,
            // which other tests create in the same store.
            Assert.True(wrapped[0] is 1 or 2);
            if (wrapped[0] == 1)
            {
                Assert.Equal(1 + 12 + 32 + 16, wrapped.Length);
            }

            Assert.False(wrapped.AsSpan().IndexOf(pinned) >= 0);
        });
    }
}

[Collection("sqlite")]
public sealed class PersistenceTests_Sqlite(SqliteFixture f) : PersistenceTests(f)
{
    [Fact]
    public async Task DatabaseFile_ContainsNoPlaintextKeyMaterial()
    {
        var pinned = Convert.FromBase64String(TestSeed.PinnedMaterial);
        await CreateKeyAsync();

        // Read every file of the store (database, WAL) as raw bytes.
        foreach (var file in Directory.GetFiles(Server.DataDir, "kms.db*"))
        {
            byte[] bytes;
            await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                bytes = new byte[stream.Length];
                await stream.ReadExactlyAsync(bytes, Ct);
            }

            Assert.False(bytes.AsSpan().IndexOf(pinned) >= 0, $"{file} holds the pinned key material in plaintext");
            Assert.False(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(TestSeed.PinnedMaterial)) >= 0, $"{file} holds the pinned key material in base64");
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RootKeyFile_IsOwnerReadWriteOnly()
    {
        var mode = File.GetUnixFileMode(Path.Combine(Server.DataDir, "root.key"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }
}

[Collection("postgres")]
public sealed class PersistenceTests_Postgres(PostgresFixture f) : PersistenceTests(f);
