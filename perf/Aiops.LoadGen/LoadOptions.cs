using System.Globalization;

namespace Aiops.LoadGen;

/// <summary>Command-line options of the load generator.</summary>
public sealed record LoadOptions
{
    public const string Usage =
        "usage: Aiops.LoadGen --target grpc|grpc-lp|http|influx --url URL [--hosts 100] [--series-per-host 20] [--points 1000000] [--rate 0]\n" +
        "                     [--batch 5000] [--concurrency 4] [--db aiops] [--token T] [--metrics-url http://127.0.0.1:8080]\n" +
        "                     [--host-prefix host-]\n" +
        "       Aiops.LoadGen simulate --url http://127.0.0.1:4317 [--hosts 50] [--interval-ms 10000] [--duration-s 0]\n" +
        "                     [--replay-hours 0]";

    /// <summary>
    /// <c>grpc</c> (structured <c>points</c> over <c>Stream</c>), <c>grpc-lp</c> (the same requests carrying the
    /// <c>line_protocol</c> field instead), <c>http</c> (Aiops <c>/write</c>) or <c>influx</c> (InfluxDB's <c>/write</c>, the baseline).
    /// </summary>
    public string Target { get; init; } = "grpc";

    /// <summary>Whether the target is Aiops' gRPC ingest (either form).</summary>
    public bool IsGrpc => Target is "grpc" or "grpc-lp";

    public string Url { get; init; } = "http://127.0.0.1:4317";

    public int Hosts { get; init; } = 100;

    public int SeriesPerHost { get; init; } = 20;

    /// <summary>
    /// Host names are this prefix plus a 5-digit number (default <c>host-</c>). Successive runs against one silo should
    /// use different prefixes: a run's timestamps end at "now" and start earlier than the previous run's last ones, and
    /// the grains do not analyse samples older than a series' latest, so a second run over the same hosts would mostly
    /// skip the analytics and look faster than it is.
    /// </summary>
    public string HostPrefix { get; init; } = "host-";

    public long Points { get; init; } = 1_000_000;

    /// <summary>Points per second; 0 = as fast as the target takes them.</summary>
    public double Rate { get; init; }

    public int Batch { get; init; } = 5_000;

    public int Concurrency { get; init; } = 4;

    public string Database { get; init; } = "aiops";

    public string? Token { get; init; }

    /// <summary>When set (Aiops' HTTP base URL), the run ends only when Aiops has written every point to InfluxDB (end-to-end).</summary>
    public string? MetricsUrl { get; init; }

    public int IntervalMs { get; init; } = 10_000;

    public int DurationSeconds { get; init; }

    /// <summary>simulate: hours of history replayed at 1-minute sampling before going live (default 0 = none; the demo uses 8).</summary>
    public int ReplayHours { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            o = name switch
            {
                "--target" => o with { Target = Next() is var t && t is "grpc" or "grpc-lp" or "http" or "influx" ? t : throw new ArgumentException($"--target must be grpc, grpc-lp, http or influx, not '{t}'") },
                "--url" => o with { Url = Next() },
                "--hosts" => o with { Hosts = PositiveInt(name, Next()) },
                "--host-prefix" => o with { HostPrefix = Next() is var p && p.Length is > 0 and <= 32 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? p : throw new ArgumentException($"--host-prefix must be 1 to 32 ASCII letters, digits, '-' or '_', not '{p}'") },
                "--series-per-host" => o with { SeriesPerHost = PositiveInt(name, Next()) },
                "--points" => o with { Points = PositiveInt(name, Next()) },
                "--rate" => o with { Rate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--batch" => o with { Batch = PositiveInt(name, Next()) },
                "--concurrency" => o with { Concurrency = PositiveInt(name, Next()) },
                "--db" => o with { Database = Next() },
                "--token" => o with { Token = Next() },
                "--metrics-url" => o with { MetricsUrl = Next() },
                "--interval-ms" => o with { IntervalMs = PositiveInt(name, Next()) },
                "--duration-s" => o with { DurationSeconds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--replay-hours" => o with { ReplayHours = NonNegativeInt(name, Next()) },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return o;
    }

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 && n <= 72
            ? n
            : throw new ArgumentException($"{name} must be an integer from 0 to 72, not '{value}'");

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, not '{value}'");
}
