using System.Globalization;
using System.Text;

namespace Aiops.IntegrationTests.Dashboards;

/// <summary>
/// Line protocol for everything the dashboards read: raw Telegraf points (<c>mem</c>, <c>cpu</c>, <c>disk</c>,
/// <c>system</c>) of two hosts every minute for two hours, and the derived series of DESIGN §5 (<c>aiops_anomaly</c>,
/// <c>aiops_forecast</c>, <c>aiops_prediction</c>, <c>aiops_incident</c>) shaped like the grains write them (series tag
/// values such as <c>disk.used_percent{device=sda1,fstype=ext4,path=/}</c>, a withdrawn prediction as probability 0).
/// </summary>
public static class DashboardSeed
{
    /// <summary>Hosts with raw and derived points; the second has the first as a prefix, so an unanchored host regex shows.</summary>
    public static readonly string[] Hosts = ["dash-host-1", "dash-host-10"];

    /// <summary>Minutes of history written (default 120), ending at the seed's end time.</summary>
    public const int Minutes = 120;

    /// <summary>Predictions open at the end: dash-host-1 memory and the ci db-1 disk (dash-host-10's disk one is withdrawn).</summary>
    public static readonly string[] OpenPredictionIds = ["host/dash-host-1/mem.used_percent/1", "ci/db-1/disk.used_percent{path=/data}/1"];

    /// <summary>The prediction raised and then withdrawn (its last point has probability 0).</summary>
    public const string WithdrawnPredictionId = "host/dash-host-10/disk.used_percent{device=sda1,fstype=ext4,path=/}/1";

    /// <summary>Latest state of each seeded incident.</summary>
    public static readonly IReadOnlyDictionary<string, string> IncidentStates = new Dictionary<string, string>
    {
        ["inc-1"] = "acknowledged",
        ["inc-2"] = "resolved",
    };

    /// <summary>The line protocol (precision ns) for points in the <see cref="Minutes"/> minutes up to <paramref name="end"/>.</summary>
    public static string LineProtocol(DateTimeOffset end)
    {
        var sb = new StringBuilder(1 << 20);
        long Ns(int minutesAgo) => (end.ToUnixTimeMilliseconds() - minutesAgo * 60_000L) * 1_000_000L;

        for (var h = 0; h < Hosts.Length; h++)
        {
            var host = Hosts[h];
            for (var ago = Minutes - 1; ago >= 0; ago--)
            {
                var t = Ns(ago);
                var step = Minutes - 1 - ago;
                var mem = 40 + 10 * h + step * 0.3; // a slow leak: the forecast band and prediction have something to follow
                var cpu = 20 + 15 * Math.Sin(step / 10.0) + 5 * h;
                Line(sb, "mem", [("host", host)], [("used_percent", F(mem)), ("available", I((long)((100 - mem) * 1e8))), ("total", I(10_000_000_000))], t);
                Line(sb, "cpu", [("cpu", "cpu-total"), ("host", host)], [("usage_active", F(cpu)), ("usage_idle", F(100 - cpu)), ("usage_user", F(cpu * 0.7)), ("usage_system", F(cpu * 0.3))], t);
                Line(sb, "disk", [("device", "sda1"), ("fstype", "ext4"), ("host", host), ("path", "/")], [("used_percent", F(60 + step * 0.1))], t);
                Line(sb, "disk", [("device", "sdb1"), ("fstype", "xfs"), ("host", host), ("path", "/var")], [("used_percent", F(30 + h))], t);
                Line(sb, "system", [("host", host)], [("load1", F(cpu / 25))], t);

                // Anomaly scores every minute; the last 5 minutes of dash-host-1's memory are flagged.
                var flagged = h == 0 && ago < 5;
                Line(sb, "aiops_anomaly", [("detector", "robust-z"), ("host", host), ("series", "mem.used_percent")], [("score", F(flagged ? 0.97 : 0.1)), ("value", F(mem)), ("anomaly", flagged ? "true" : "false")], t);
                Line(sb, "aiops_anomaly", [("detector", "robust-z"), ("host", host), ("series", "cpu.usage_active{cpu=cpu-total}")], [("score", F(0.05)), ("value", F(cpu)), ("anomaly", "false")], t);
                Line(sb, "aiops_forecast", [("host", host), ("series", "mem.used_percent")], [("predicted", F(mem + 0.3)), ("lower", F(mem - 2)), ("upper", F(mem + 2.6)), ("horizon_s", F(60))], t);
            }
        }

        const string mem1 = "mem.used_percent", disk2 = "disk.used_percent{device=sda1,fstype=ext4,path=/}", diskCi = "disk.used_percent{path=/data}";
        Prediction(sb, ("host", "dash-host-1"), mem1, "95", eta: 7200, probability: 0.8, OpenPredictionIds[0], Ns(30));
        Prediction(sb, ("host", "dash-host-1"), mem1, "95", eta: 5400, probability: 0.9, OpenPredictionIds[0], Ns(10)); // updated, same id
        Prediction(sb, ("ci", "db-1"), diskCi, "90", eta: 36_000, probability: 0.7, OpenPredictionIds[1], Ns(20));
        Prediction(sb, ("host", Hosts[1]), disk2, "90", eta: 3600, probability: 0.85, WithdrawnPredictionId, Ns(40));
        Prediction(sb, ("host", Hosts[1]), disk2, "90", eta: 0, probability: 0, WithdrawnPredictionId, Ns(15)); // withdrawn

        Incident(sb, "inc-1", "dash-host-1", "major", "open", "dash-host-1", 1, "Memory leak on dash-host-1", Ns(30));
        Incident(sb, "inc-1", "dash-host-1", "critical", "acknowledged", "dash-host-1,db-1", 3, "Memory leak on dash-host-1", Ns(10));
        Incident(sb, "inc-2", "db-1", "minor", "open", "db-1", 1, "Disk filling on db-1", Ns(90));
        Incident(sb, "inc-2", "db-1", "minor", "resolved", "db-1", 2, "Disk filling on db-1", Ns(60));
        return sb.ToString();
    }

    private static void Prediction(StringBuilder sb, (string Key, string Value) entity, string series, string threshold, double eta, double probability, string id, long t) =>
        Line(sb, "aiops_prediction", [entity, ("series", series), ("threshold", threshold)],
            [("eta_s", F(eta)), ("eta_low_s", F(eta * 0.8)), ("eta_high_s", F(eta * 1.3)), ("probability", F(probability)), ("id", S(id))], t);

    private static void Incident(StringBuilder sb, string incident, string root, string severity, string state, string cis, long anomalies, string title, long t) =>
        Line(sb, "aiops_incident", [("incident", incident), ("root_ci", root), ("severity", severity), ("state", state)],
            [("cis", S(cis)), ("anomalies", I(anomalies)), ("title", S(title))], t);

    private static void Line(StringBuilder sb, string measurement, (string Key, string Value)[] tags, (string Key, string Value)[] fields, long ns)
    {
        sb.Append(measurement);
        foreach (var (k, v) in tags)
        {
            sb.Append(',').Append(k).Append('=').Append(EscapeTag(v));
        }

        sb.Append(' ');
        for (var i = 0; i < fields.Length; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append(fields[i].Key).Append('=').Append(fields[i].Value);
        }

        sb.Append(' ').Append(ns.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Tag values escape comma, '=' and space: the series tag values carry all three kinds.</summary>
    private static string EscapeTag(string v) => v.Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal).Replace(" ", "\\ ", StringComparison.Ordinal);

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture) + "i";

    private static string S(string v) => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
