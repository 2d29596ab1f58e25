using Aiops.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Aiops.Silo;

/// <summary>Readiness: this silo has joined its cluster (membership status Active).</summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {local.SiloAddress} active")
            : HealthCheckResult.Unhealthy($"silo {local.SiloAddress} is {status}, not joined"));
    }

    /// <summary>Registers the check under the readiness tag.</summary>
    public static void Register(IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: [Extensions.ReadyTag]);
}
