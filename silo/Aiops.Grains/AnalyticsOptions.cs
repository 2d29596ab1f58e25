namespace Aiops.Grains;

/// <summary>Live analytics settings (section <c>Aiops:Analytics</c>).</summary>
public sealed class AnalyticsOptions
{
    /// <summary>The metric of a series key: <c>measurement.field</c>, the key up to its <c>{tags}</c>.</summary>
    public static string MetricOf(string series)
    {
        var brace = series.IndexOf('{', StringComparison.Ordinal);
        return brace < 0 ? series : series[..brace];
    }

    /// <summary>The CMDB attribute prefix of a per-CI threshold: attribute <c>threshold.mem.used_percent</c> = <c>90</c>.</summary>
    public const string ThresholdAttributePrefix = "threshold.";

    /// <summary>
    /// The threshold that applies to <paramref name="series"/> of an entity, if any, by metric (the series key up to
    /// <c>{</c>), most specific first: the CI's own CMDB attribute <c>threshold.&lt;metric&gt;</c>, then
    /// <see cref="ThresholdsByCiType"/> for the CI's type, then <see cref="Thresholds"/>, then the defaults. A value of 0
    /// or less at any level turns prediction off for that metric. For <c>cpu.usage_active</c> only the total
    /// (<c>cpu=cpu-total</c>, or no <c>cpu</c> tag) is predicted.
    /// </summary>
    /// <param name="series">Series key.</param>
    /// <param name="ciType">The entity's CI type (from the CMDB; <c>host</c> for a host the CMDB does not know), or null.</param>
    /// <param name="ciAttributes">The entity's CMDB attributes, or null.</param>
    /// <param name="metric">The metric of <paramref name="series"/>.</param>
    /// <param name="threshold">The threshold, when the answer is true.</param>
    public bool TryGetThreshold(string series, string? ciType, IReadOnlyDictionary<string, string>? ciAttributes, out string metric, out double threshold)
    {
        metric = MetricOf(series);
        if (metric == "cpu.usage_active" && metric.Length < series.Length && series.Contains("cpu=", StringComparison.Ordinal) && !series.Contains("cpu=cpu-total", StringComparison.Ordinal))
        {
            threshold = 0;
            return false;
        }

        if (ciAttributes is not null && ciAttributes.TryGetValue(ThresholdAttributePrefix + metric, out var text)
            && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out threshold) && double.IsFinite(threshold))
        {
            return threshold > 0;
        }

        if (ciType is not null && ThresholdsByCiType.TryGetValue(ciType, out var byType) && byType.TryGetValue(metric, out threshold))
        {
            return threshold > 0;
        }

        if (Thresholds.TryGetValue(metric, out threshold))
        {
            return threshold > 0;
        }

        return Aiops.Analytics.Prediction.DefaultThresholds.TryGet(metric, out threshold);
    }

    public const string Section = "Aiops:Analytics";

    /// <summary>Detector run on every numeric series (default <c>aiops</c>; <c>null</c> turns detection off).</summary>
    public string Detector { get; set; } = Aiops.Analytics.Anomaly.DetectorFactory.DefaultName;

    /// <summary>Score at or above which a point is anomalous (default 0.75).</summary>
    public double AnomalyThreshold { get; set; } = 0.75;

    /// <summary>
    /// Points a new series is observed before its scores may raise anomalies (default 300). The detector needs a
    /// warm-up and scores its first points after it with little history (NAB's scorer ignores that stretch as its
    /// probationary period); a live system must not page on it. Scores are still written during probation.
    /// </summary>
    public int ProbationPoints { get; set; } = 300;

    /// <summary>
    /// Consecutive points below the threshold, and back within half the episode's peak deviation from the level before
    /// it, that end an anomaly episode (default 5); a later onset is a new event. See <see cref="AnomalyEpisode"/>.
    /// </summary>
    public int EpisodeQuietPoints { get; set; } = 5;

    /// <summary>
    /// Hours of event time after which an episode whose series never came back ends anyway, its level taken as the new
    /// normal (default 24).
    /// </summary>
    public double EpisodeMaxHours { get; set; } = 24;

    /// <summary>
    /// Minutes of event time after an episode's end within which the series returning to that episode's level is a new
    /// episode even though the detector, still remembering its last alert, stays quiet (default 60).
    /// </summary>
    public double RecurrenceMinutes { get; set; } = 60;

    /// <summary>
    /// Event-time spacing of the ordinary (non-anomalous) <c>aiops_anomaly</c> points per series, in seconds (default 60):
    /// every anomalous point is written, the quiet score at most once per interval (its maximum), which keeps the derived
    /// series a small fraction of the raw ones while Grafana still shows the score.
    /// </summary>
    public int ScoreWriteIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Thresholds predicted per metric (<c>measurement.field</c>), on top of the defaults (<c>mem.used_percent</c> 95,
    /// <c>disk.used_percent</c> 90, <c>cpu.usage_active</c> 95); a value of 0 or less turns a default off. More specific:
    /// <see cref="ThresholdsByCiType"/> and a CI's CMDB attribute <c>threshold.&lt;metric&gt;</c> (see
    /// <see cref="TryGetThreshold"/>).
    /// </summary>
    public Dictionary<string, double> Thresholds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Thresholds per CI type, then metric (e.g. <c>Aiops:Analytics:ThresholdsByCiType:database:disk.used_percent</c> =
    /// 80); they win over <see cref="Thresholds"/>. The type is the CI's in the CMDB (CI id = host name or CI key);
    /// a host the CMDB does not know has type <c>host</c>.
    /// </summary>
    public Dictionary<string, Dictionary<string, double>> ThresholdsByCiType { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Prediction horizon in hours (default 24): only crossings expected within it are predicted.</summary>
    public double PredictionHorizonHours { get; set; } = 24;

    /// <summary>
    /// Metrics (<c>measurement.field</c>) the per-host multivariate model follows, at most 16 series per host, in the
    /// order first seen (default: memory, total CPU, I/O wait, load, disk use, network and swap). An empty list turns the
    /// model off. It scores one vector a minute with ML.NET randomized PCA, retrained every six hours on the last day.
    /// </summary>
    public List<string> MultivariateMetrics { get; set; } =
    [
        "mem.used_percent", "cpu.usage_active", "cpu.usage_iowait", "cpu.usage_system", "system.load1",
        "disk.used_percent", "net.bytes_recv", "net.bytes_sent", "swap.used_percent",
    ];

    /// <summary>How far ahead the <c>aiops_forecast</c> band reaches, in minutes (default 60); one point per 10-minute bucket.</summary>
    public int ForecastHorizonMinutes { get; set; } = 60;

    /// <summary>Wall-clock seconds between snapshots of detector state to grain storage (default 60), and on deactivation.</summary>
    public int SnapshotIntervalSeconds { get; set; } = 60;
}
