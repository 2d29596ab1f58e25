using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aiops.Ingest.Storage;

/// <summary>Readiness: InfluxDB answers <c>/ping</c> and the write queue has room.</summary>
public sealed class InfluxHealthCheck(InfluxBatchWriter writer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        if (!await writer.PingAsync(timeout.Token).ConfigureAwait(false))
        {
            return HealthCheckResult.Unhealthy("InfluxDB does not answer /ping");
        }

        return writer.HasCapacity
            ? HealthCheckResult.Healthy($"InfluxDB reachable; {writer.QueuedPoints} points queued")
            : HealthCheckResult.Unhealthy($"write queue full ({writer.QueuedPoints} points queued)");
    }
}
