using System.Globalization;
using System.Text;

namespace Aiops.ServiceDefaults;

/// <summary>A monotonically increasing counter, safe to increment from any thread.</summary>
public sealed class Counter(string name, string help)
{
    private long _value;

    public string Name { get; } = name;

    public string Help { get; } = help;

    public long Value => Interlocked.Read(ref _value);

    public void Add(long delta) => Interlocked.Add(ref _value, delta);

    public void Increment() => Interlocked.Increment(ref _value);
}

/// <summary>A cumulative histogram with fixed upper bounds (Prometheus semantics), lock-free.</summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumMicros;

    public Histogram(string name, string help, double[] bounds)
    {
        Name = name;
        Help = help;
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public string Name { get; }

    public string Help { get; }

    public long Count => Interlocked.Read(ref _count);

    public void Observe(double value)
    {
        for (var i = 0; i < _bounds.Length; i++)
        {
            if (value <= _bounds[i])
            {
                Interlocked.Increment(ref _counts[i]);
                break;
            }
        }

        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)(value * 1_000_000));
    }

    internal void Render(StringBuilder sb)
    {
        long cumulative = 0;
        for (var i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            sb.Append(Name).Append("_bucket{le=\"").Append(_bounds[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ")
              .Append(cumulative).Append('\n');
        }

        var count = Count;
        sb.Append(Name).Append("_bucket{le=\"+Inf\"} ").Append(count).Append('\n');
        sb.Append(Name).Append("_sum ").Append((Interlocked.Read(ref _sumMicros) / 1e6).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(Name).Append("_count ").Append(count).Append('\n');
    }
}

/// <summary>
/// The process's metrics, rendered at <c>/metrics</c> in Prometheus text format (version 0.0.4).
/// A small registry of our own: counters on the hot path are a single <see cref="Interlocked"/> add.
/// </summary>
public sealed class AiopsMetrics
{
    private readonly List<(string Name, string Help, Func<double> Read)> _gauges = [];
    private readonly Lock _gaugeLock = new();

    public Counter PointsReceived { get; } = new("aiops_points_received_total", "Points received by every ingest protocol, valid or not.");

    public Counter PointsAccepted { get; } = new("aiops_points_accepted_total", "Points accepted and queued for storage.");

    public Counter PointsRejected { get; } = new("aiops_points_rejected_total", "Points rejected as invalid or over a limit.");

    public Counter SeriesLimitRejections { get; } = new("aiops_points_series_limit_rejected_total", "Points rejected because they would add series past a host's or CI's limit (Aiops:Ingest:MaxSeriesPerEntity).");

    public Counter PointsUnrouted { get; } = new("aiops_points_unrouted_total", "Accepted points with neither a host nor a ci tag: stored, not analysed.");

    public Counter PointsWritten { get; } = new("aiops_points_written_total", "Points written to InfluxDB.");

    public Counter PointsWriteFailed { get; } = new("aiops_points_write_failed_total", "Points InfluxDB refused permanently (4xx).");

    public Counter WriteRetries { get; } = new("aiops_influx_write_retries_total", "InfluxDB write attempts retried after a transient failure.");

    public Counter PointsSpooled { get; } = new("aiops_points_spooled_total", "Points written to the on-disk spool while InfluxDB was down or slow.");

    public Counter PointsReplayed { get; } = new("aiops_points_replayed_total", "Points replayed from the on-disk spool to InfluxDB.");

    public Counter RequestsOverloaded { get; } = new("aiops_ingest_overloaded_total", "Ingest requests refused with 503 / RESOURCE_EXHAUSTED because the write queue was full.");

    public Counter SamplesRouted { get; } = new("aiops_samples_routed_total", "Numeric samples delivered to entity grains.");

    public Counter SamplesDropped { get; } = new("aiops_samples_analytics_dropped_total", "Numeric samples not analysed because the grain dispatch queue was full (still stored).");

    public Counter GrainCallsFailed { get; } = new("aiops_grain_calls_failed_total", "Entity grain batch calls that failed.");

    public Histogram BatchLatency { get; } = new(
        "aiops_influx_batch_latency_seconds",
        "Latency of one InfluxDB batch write, retries included.",
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);

    /// <summary>Registers a gauge read at scrape time.</summary>
    public void RegisterGauge(string name, string help, Func<double> read)
    {
        lock (_gaugeLock)
        {
            _gauges.Add((name, help, read));
        }
    }

    /// <summary>Renders every metric in Prometheus text exposition format.</summary>
    public string Render()
    {
        var sb = new StringBuilder(4096);
        foreach (var c in new[]
                 {
                     PointsReceived, PointsAccepted, PointsRejected, SeriesLimitRejections, PointsUnrouted, PointsWritten, PointsWriteFailed,
                     WriteRetries, PointsSpooled, PointsReplayed, RequestsOverloaded, SamplesRouted, SamplesDropped, GrainCallsFailed,
                 })
        {
            sb.Append("# HELP ").Append(c.Name).Append(' ').Append(c.Help).Append('\n');
            sb.Append("# TYPE ").Append(c.Name).Append(" counter\n");
            sb.Append(c.Name).Append(' ').Append(c.Value).Append('\n');
        }

        sb.Append("# HELP ").Append(BatchLatency.Name).Append(' ').Append(BatchLatency.Help).Append('\n');
        sb.Append("# TYPE ").Append(BatchLatency.Name).Append(" histogram\n");
        BatchLatency.Render(sb);

        lock (_gaugeLock)
        {
            foreach (var (name, help, read) in _gauges)
            {
                sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
                sb.Append("# TYPE ").Append(name).Append(" gauge\n");
                sb.Append(name).Append(' ').Append(read().ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        return sb.ToString();
    }
}
