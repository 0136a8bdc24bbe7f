using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KmsService.Storage;

/// <summary>Readiness of the change feed where it is on (PostgreSQL): Degraded, not Unhealthy, while it does not
/// listen, because the instance still answers correctly then (it caches for at most a second, see
/// <see cref="ChangeFeed"/>); taking every instance out of service when LISTEN alone fails would turn a slower
/// service into none.</summary>
internal sealed class ChangeFeedHealthCheck(ChangeFeed feed) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(feed.ListenConnectionString is null
            ? HealthCheckResult.Healthy("Off: key records are cached for at most a second.")
            : feed.IsListening
                ? HealthCheckResult.Healthy("Listening.")
                : HealthCheckResult.Degraded("Not listening: key records are cached for at most a second until it reconnects."));
}
