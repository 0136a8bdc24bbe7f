using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KmsService.Storage;

/// <summary>Readiness of the store (<see cref="StoreProbe"/>): Unhealthy while it cannot serve this instance; its
/// outcome also begins or ends a <see cref="StoreOutage"/>.</summary>
internal sealed class StoreHealthCheck(StoreOutage outage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var result = await outage.CheckAsync(cancellationToken);
        return result.IsReady ? HealthCheckResult.Healthy(result.Description) : HealthCheckResult.Unhealthy(result.Description);
    }
}
