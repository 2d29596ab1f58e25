using System.Text;
using Aiops.Ingest.Grpc.V1;

namespace Aiops.LoadGen;

/// <summary>
/// Telegraf-style host telemetry: <c>mem</c>, <c>cpu</c> (tag <c>cpu=cpu-total</c>), <c>disk</c> (tags <c>path</c>,
/// <c>device</c>, <c>fstype</c>) and <c>system</c>, with field names as Telegraf's inputs write them.
/// </summary>
/// <remarks>
/// A point is one line (InfluxDB's meaning). Each host tick writes one point per measurement; the host's
/// <c>seriesPerHost</c> numeric fields are spread over the four measurements. Values are a deterministic function of
/// (host, tick, field) so every run ships the same data.
/// </remarks>
public sealed class TelegrafModel
{
    private static readonly string[] MemFields = ["used_percent", "available_percent", "used", "available", "total", "free", "cached", "buffered", "active", "inactive"];
    private static readonly string[] CpuFields = ["usage_active", "usage_idle", "usage_user", "usage_system", "usage_iowait", "usage_irq", "usage_softirq", "usage_steal", "usage_nice", "usage_guest"];
    private static readonly string[] DiskFields = ["used_percent", "free", "used", "total", "inodes_free", "inodes_used", "inodes_total"];
    private static readonly string[] SystemFields = ["load1", "load5", "load15", "n_cpus", "n_users", "uptime"];

    private readonly (string Measurement, string TagText, KeyValuePair<string, string>[] Tags, string[] Fields)[] _measurements;

    public TelegrafModel(int seriesPerHost)
    {
        if (seriesPerHost < 4 || seriesPerHost > MemFields.Length + CpuFields.Length + DiskFields.Length + SystemFields.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(seriesPerHost), seriesPerHost, "--series-per-host must be within 4..33");
        }

        var counts = new int[4];
        for (var i = 0; i < seriesPerHost; i++)
        {
            counts[i % 4]++;
        }

        _measurements =
        [
            ("mem", string.Empty, [], MemFields[..counts[0]]),
            ("cpu", ",cpu=cpu-total", [new("cpu", "cpu-total")], CpuFields[..counts[1]]),
            ("disk", ",device=sda1,fstype=ext4,path=/", [new("device", "sda1"), new("fstype", "ext4"), new("path", "/")], DiskFields[..Math.Min(counts[2], DiskFields.Length)]),
            ("system", string.Empty, [], SystemFields[..Math.Min(counts[3], SystemFields.Length)]),
        ];
    }

    /// <summary>Points (lines) per host tick.</summary>
    public int PointsPerTick => _measurements.Length;

    /// <summary>Appends the line of measurement <paramref name="m"/> for one host at one tick.</summary>
    public void AppendLine(StringBuilder sb, string host, int m, long tick, long timestampNs)
    {
        var (measurement, tagText, _, fields) = _measurements[m];
        sb.Append(measurement).Append(tagText).Append(",host=").Append(host).Append(' ');
        for (var f = 0; f < fields.Length; f++)
        {
            if (f > 0)
            {
                sb.Append(',');
            }

            sb.Append(fields[f]).Append('=').Append(Value(host, m, f, tick).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
        }

        sb.Append(' ').Append(timestampNs).Append('\n');
    }

    /// <summary>The same point as a structured gRPC <see cref="Point"/>.</summary>
    public Point ToPoint(string host, int m, long tick, long timestampNs)
    {
        var (measurement, _, tags, fields) = _measurements[m];
        var point = new Point { Measurement = measurement, TimestampUnixNano = timestampNs };
        point.Tags.Add("host", host);
        foreach (var tag in tags)
        {
            point.Tags.Add(tag.Key, tag.Value);
        }

        for (var f = 0; f < fields.Length; f++)
        {
            point.Fields.Add(fields[f], Math.Round(Value(host, m, f, tick), 3));
        }

        return point;
    }

    /// <summary>A plausible, deterministic value: a per-host base level, a slow wave and a little pseudo-noise.</summary>
    public static double Value(string host, int m, int f, long tick)
    {
        // Fixed arithmetic mixing, not HashCode.Combine (randomised per process), so every run ships the same values.
        var seed = unchecked((uint)(host.Length * 31 + host[^1]) * 2654435761u + (uint)(m * 97 + f) * 40503u);
        var baseLevel = 20 + seed % 50;
        var wave = 10 * Math.Sin(tick / 30.0 + seed % 7);
        var noise = (unchecked((seed ^ (uint)tick) * 2246822519u) >> 8) % 1000 / 500.0 - 1;
        return baseLevel + wave + noise;
    }
}
