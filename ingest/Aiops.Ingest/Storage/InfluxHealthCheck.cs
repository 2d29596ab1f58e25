using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aiops.Ingest.Storage;

/// <summary>
/// Readiness of the write path: Healthy when InfluxDB answers <c>/ping</c> and nothing is spooled; Degraded while
/// batches go to the on-disk spool (InfluxDB down or a backlog replaying: points are still accepted); Unhealthy when
/// the spool is full or ingest pushes back, or when InfluxDB is unreachable and there is no spool.
/// </summary>
public sealed class InfluxHealthCheck(InfluxBatchWriter writer) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!writer.HasCapacity)
        {
            return HealthCheckResult.Unhealthy($"write queue full ({writer.QueuedPoints} points in memory, {writer.SpooledPoints} spooled)");
        }

        if (writer.IsSpoolFull)
        {
            return HealthCheckResult.Unhealthy($"spool full ({writer.Spool!.Bytes} of {writer.Spool.MaxBytes} bytes, {writer.SpooledPoints} points); new batches wait in memory");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var reachable = await writer.PingAsync(timeout.Token).ConfigureAwait(false);
        if (!reachable && writer.Spool is null)
        {
            return HealthCheckResult.Unhealthy("InfluxDB does not answer /ping");
        }

        if (!reachable || writer.IsSpooling)
        {
            var spool = writer.Spool!;
            return HealthCheckResult.Degraded(
                $"{(reachable ? "replaying spool" : "InfluxDB does not answer /ping; batches go to the spool")}: {writer.SpooledPoints} points, {spool.Bytes} of {spool.MaxBytes} bytes");
        }

        return HealthCheckResult.Healthy($"InfluxDB reachable; {writer.QueuedPoints} points queued");
    }
}
