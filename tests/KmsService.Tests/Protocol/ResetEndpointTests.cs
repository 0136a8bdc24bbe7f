using System.Net;
using System.Text;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;
using KmsService.Tests.Operations;

namespace KmsService.Tests.Protocol;

public abstract class ResetEndpointTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Reset_WhenEnabled_WipesKeysAndReappliesTheSeed()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:EnableResetEndpoint", "true");
        var kms = isolated.Server.Client();
        var alice = isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/before-reset", TargetKeyId = key.KeyId }, Ct);
        await alice.TagResourceAsync(new TagResourceRequest { KeyId = TestSeed.PinnedKeyId, Tags = [new Tag { TagKey = "t", TagValue = "v" }] }, Ct);

        using var http = new HttpClient();
        var response = await http.PostAsync(new Uri(isolated.Server.Url, "/_kms/reset"), null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/before-reset" }, Ct));
        Assert.Empty((await kms.ListKeysAsync(new ListKeysRequest(), Ct)).Keys);

        // Seeded keys and identities are back, with their pinned material.
        var tags = await alice.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = TestSeed.PinnedKeyId }, Ct);
        Assert.Empty(tags.Tags);
        var plain = await alice.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = new MemoryStream(Convert.FromBase64String(PinnedCiphertext.Base64)),
            EncryptionContext = new() { ["purpose"] = "pinned" },
        }, Ct);
        Assert.Equal(PinnedCiphertext.Plaintext, Encoding.UTF8.GetString(plain.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Reset_ByDefault_IsNotExposed()
    {
        using var http = new HttpClient();
        var response = await http.PostAsync(new Uri(Server.Url, "/_kms/reset"), null, Ct);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = (await CreateKeyAsync()).KeyId }, Ct);
    }
}

[Collection("sqlite")]
public sealed class ResetEndpointTests_Sqlite(SqliteFixture f) : ResetEndpointTests(f);

[Collection("postgres")]
public sealed class ResetEndpointTests_Postgres(PostgresFixture f) : ResetEndpointTests(f);
