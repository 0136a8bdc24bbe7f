using System.Text.Json;
using KmsService.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KmsService.Hosting;

/// <summary>
/// The health endpoints, answered in JSON. <c>/_kms/health/live</c>: the process answers (no check runs).
/// <c>/_kms/health/ready</c> and <c>/_kms/health</c>: the store answers a query and accepts a write, its migrations are
/// applied and it holds this root key (<see cref="StoreHealthCheck"/>), and the change feed listens where it is on
/// (<see cref="ChangeFeedHealthCheck"/>, Degraded otherwise). 200 when Healthy or Degraded, 503 when Unhealthy.
/// </summary>
internal static class HealthEndpoints
{
    public const string LivePath = "/_kms/health/live";
    public const string ReadyPath = "/_kms/health/ready";

    /// <summary>The original path, kept as readiness: it now says what load balancers asked it.</summary>
    public const string LegacyPath = "/_kms/health";

    private const string ReadyTag = "ready";

    public static void Add(IServiceCollection services)
    {
        // Each check bounds its own wait (StoreProbe.Timeout); the registration timeout is the backstop.
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", HealthStatus.Unhealthy, [ReadyTag], StoreProbe.Timeout + TimeSpan.FromSeconds(1))
            .AddCheck<ChangeFeedHealthCheck>("changeFeed", HealthStatus.Degraded, [ReadyTag]);
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        var ready = new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync };
        app.MapHealthChecks(ReadyPath, ready);
        app.MapHealthChecks(LegacyPath, ready);
    }

    /// <summary><c>{"status":"Healthy","checks":{"store":{"status":"Healthy","description":"…","durationMs":1.2}}}</c></summary>
    private static async Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description);
                json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        http.Response.ContentLength = buffer.Length;
        await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }
}
