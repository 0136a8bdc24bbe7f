using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

public abstract class ListKeysTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task ListKeys_WithLimit_PagesThroughEveryKeyOnce()
    {
        // A region no other test uses, so the listing holds exactly the keys made here.
        var kms = Server.Client(region: "ap-southeast-4");
        var created = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata.KeyId);
        }

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var page = await kms.ListKeysAsync(new ListKeysRequest { Limit = 2, Marker = marker }, Ct);
            pages++;
            seen.AddRange(page.Keys.Select(k => k.KeyId));
            Assert.All(page.Keys, k => Assert.Equal($"arn:aws:kms:ap-southeast-4:000000000000:key/{k.KeyId}", k.KeyArn));
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            marker = page.NextMarker;
        }
        while (marker is not null);

        Assert.Equal(3, pages);
        Assert.Equal(created.Order(), seen.Order());
    }

    [Fact]
    public async Task ListKeys_OtherAccount_DoesNotSeeMyKeys()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);
        var keys = await other.ListKeysAsync(new ListKeysRequest(), Ct);
        Assert.DoesNotContain(keys.Keys, k => k.KeyArn == TestSeed.PinnedKeyArn);
        Assert.False(keys.Truncated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task ListKeys_LimitOutOfRange_ThrowsValidation(int limit)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.ListKeysAsync(new ListKeysRequest { Limit = limit }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains($"Value '{limit}' at 'limit'", e.Message);
    }

    [Fact]
    public async Task ListKeys_MarkerNotIssuedByUs_ThrowsInvalidMarker()
    {
        await Assert.ThrowsAsync<InvalidMarkerException>(() =>
            Kms.ListKeysAsync(new ListKeysRequest { Marker = "not-a-marker" }, Ct));
    }
}

[Collection("sqlite")]
public sealed class ListKeysTests_Sqlite(SqliteFixture f) : ListKeysTests(f);

[Collection("postgres")]
public sealed class ListKeysTests_Postgres(PostgresFixture f) : ListKeysTests(f);
