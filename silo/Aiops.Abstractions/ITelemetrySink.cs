namespace Aiops.Abstractions;

/// <summary>
/// Where points go to be stored (InfluxDB through the batching writer). Grains write derived series here;
/// ingest writes raw points here.
/// </summary>
public interface ITelemetrySink
{
    /// <summary>True while the sink can take more points; when false, ingest answers 503 / RESOURCE_EXHAUSTED.</summary>
    bool HasCapacity { get; }

    /// <summary>
    /// Queues complete line-protocol lines (each ending in <c>\n</c>, timestamps in nanoseconds).
    /// Never blocks and never drops: the caller checked <see cref="HasCapacity"/>; one call may overshoot the bound.
    /// </summary>
    void Enqueue(ReadOnlySpan<byte> lines, int pointCount);
}
