using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Tests.Infrastructure;
using KmsService.Tests.Operations;

namespace KmsService.Tests.Protocol;

/// <summary><c>POST /_kms/reset</c>: off by default; when on, only a signed request of a principal allowed to reset,
/// never an anonymous, unverified or cross-site one.</summary>
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

        using var response = await ResetClient.ResetAsync(isolated.Server.Url, ct: Ct);
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
        var key = await CreateKeyAsync();
        using var response = await ResetClient.ResetAsync(Server.Url, ct: Ct);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task Reset_WithoutValidSignatureOrByOthers_IsRefusedAndChangesNothing()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:EnableResetEndpoint", "true");
        var url = isolated.Server.Url;
        var key = (await isolated.Server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        using var http = new HttpClient();

        // Anonymous, in either case of the path.
        await AssertRefusedAsync(await http.PostAsync(new Uri(url, "/_kms/reset"), null, Ct), "MissingAuthenticationTokenException");
        await AssertRefusedAsync(await http.PostAsync(new Uri(url, "/_KMS/RESET"), null, Ct), "MissingAuthenticationTokenException");

        // A cross-site form post: no preflight, no Authorization header, and an Origin.
        using (var form = new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/_kms/reset")))
        {
            form.Content = new FormUrlEncodedContent([]);
            form.Headers.Add("Origin", "https://evil.example");
            form.Headers.Add("Sec-Fetch-Site", "cross-site");
            await AssertRefusedAsync(await http.SendAsync(form, Ct), "AccessDeniedException");
        }

        // A wrong secret for the development root; an unknown access key (accepted for KMS calls in Development
        // without a signature check, never for a reset); a known principal that may not reset.
        await AssertRefusedAsync(await ResetClient.ResetAsync(url, "test", "wrong", ct: Ct), "InvalidSignatureException");
        await AssertRefusedAsync(await ResetClient.ResetAsync(url, "AKIAUNKNOWN00000001", "whatever", ct: Ct), "AccessDeniedException");
        await AssertRefusedAsync(await ResetClient.ResetAsync(url, TestSeed.AliceAccessKey, TestSeed.AliceSecret, ct: Ct), "AccessDeniedException");

        await isolated.Server.Client().DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task Reset_ByAConfiguredPrincipal_IsAllowed()
    {
        await using var isolated = await Fixture.StartIsolatedAsync(
            "--Kms:EnableResetEndpoint", "true", "--Kms:ResetPrincipals:0", TestSeed.AliceArn);
        using var byAlice = await ResetClient.ResetAsync(isolated.Server.Url, TestSeed.AliceAccessKey, TestSeed.AliceSecret, ct: Ct);
        Assert.Equal(HttpStatusCode.OK, byAlice.StatusCode);
        await AssertRefusedAsync(await ResetClient.ResetAsync(isolated.Server.Url, ct: Ct), "AccessDeniedException");
    }

    [Fact]
    public async Task Reset_EnabledInProductionWithoutPrincipals_StopsStartUp()
    {
        var rootKey = Convert.ToBase64String(new byte[32]);
        var e = await Assert.ThrowsAsync<StartupException>(() => KmsServer.StartAsync(
            seedFile: TestSeed.Write(),
            extraArgs: ["--environment", "Production", "--Kms:RootKey", rootKey, "--Kms:EnableResetEndpoint", "true"]));
        Assert.Contains("Kms:ResetPrincipals", e.Message, StringComparison.Ordinal);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string errorCode)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(errorCode, body.RootElement.GetProperty("__type").GetString());
            Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("message").GetString()));
        }
    }
}

[Collection("sqlite")]
public sealed class ResetEndpointTests_Sqlite(SqliteFixture f) : ResetEndpointTests(f);

[Collection("postgres")]
public sealed class ResetEndpointTests_Postgres(PostgresFixture f) : ResetEndpointTests(f);
