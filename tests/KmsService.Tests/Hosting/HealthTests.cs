using System.Net;
using System.Text.Json;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Hosting;

/// <summary>Liveness and readiness on a healthy store; how they answer an outage is in StoreOutageTests.</summary>
public abstract class HealthTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Live_AlwaysAnswersHealthyJsonWithoutChecks()
    {
        var (status, body) = await GetAsync(Server, "/_kms/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Theory]
    [InlineData("/_kms/health/ready")]
    [InlineData("/_kms/health")]
    public async Task Ready_OnAWorkingStore_IsHealthyWithEachCheck(string path)
    {
        // Right after start the PostgreSQL change feed may not listen yet (Degraded, still 200): wait for it.
        var (status, body) = await Eventually.ResultAsync(() => GetAsync(Server, path),
            answer => answer.Body.GetProperty("status").GetString() != "Degraded", "the change feed to listen");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("changeFeed").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_WritesItsProbeRowOnly()
    {
        await using var isolated = await Fixture.StartIsolatedAsync();

        var (status, _) = await GetAsync(isolated.Server, "/_kms/health/ready");

        Assert.Equal(HttpStatusCode.OK, status);
        await using var db = isolated.Server.Services.GetRequiredService<KmsService.Storage.KmsDbFactory>().Create();
        // The key usage tracker records when it began, on its own schedule.
        var names = db.StoreMeta.Select(m => m.Name).Where(n => n != KmsService.Storage.KeyUsageStore.TrackingStartMeta).OrderBy(n => n).ToList();
        Assert.Equal(["ready_probe", "root_key_check"], names);
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(KmsServer server, string path)
    {
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(path, Ct);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return (response.StatusCode, document.RootElement.Clone());
    }
}

[Collection("sqlite")]
public sealed class HealthTests_Sqlite(SqliteFixture f) : HealthTests(f);

[Collection("postgres")]
public sealed class HealthTests_Postgres(PostgresFixture f) : HealthTests(f);
