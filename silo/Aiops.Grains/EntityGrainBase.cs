using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Analytics.Anomaly;
using Aiops.Analytics.Multivariate;
using Aiops.Analytics.Prediction;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace Aiops.Grains;

/// <summary>
/// Live telemetry state and analytics of one entity, shared by <see cref="HostGrain"/> and <see cref="CiGrain"/>:
/// per series the latest value by event time, count and rate, and a streaming detector whose scores go to InfluxDB
/// (<c>aiops_anomaly</c>) and whose episodes become <see cref="AnomalyEvent"/>s on the <c>anomalies</c> stream.
/// </summary>
/// <remarks>
/// Everything is keyed by the event time carried in the samples, never by wall clock, so a replay gives the same
/// answers; a late sample is counted but neither replaces a newer latest value nor feeds the detector (which must
/// see points in time order). Wall time paces only directory reports and state snapshots. Detector state is
/// snapshotted to grain storage every <see cref="AnalyticsOptions.SnapshotIntervalSeconds"/> and on deactivation,
/// so a reactivated or moved grain resumes without relearning from zero.
/// </remarks>
public abstract partial class EntityGrainBase : Grain, ITelemetryEntityGrain
{
    private readonly Dictionary<string, SeriesState> _series = new(StringComparer.Ordinal);
    private readonly IPersistentState<EntityAnalyticsState> _state;
    private readonly IDerivedPointSink _derived;
    private readonly EntityGrainOptions _limits;
    private readonly AnalyticsOptions _analytics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IAsyncStream<AnomalyEvent>? _anomalies;
    private IAsyncStream<PredictionEvent>? _predictions;
    private long _pointCount;
    private long _lastSeenNs;
    private long _rejectedSeries;
    private long _lastReport = long.MinValue;
    private long _lastSnapshot;
    private bool _dirty;
    private TimeSpan _forecastHorizon;
    private HostModel? _hostModel;
    private long? _hostEpisodeOnsetNs;
    private string? _hostEpisodeSeries;
    private int _hostQuietBuckets;
    private HashSet<string>? _multivariateMetrics;

    protected EntityGrainBase(
        IPersistentState<EntityAnalyticsState> state,
        IDerivedPointSink derived,
        IOptions<EntityGrainOptions> limits,
        IOptions<AnalyticsOptions> analytics,
        TimeProvider time,
        ILogger logger)
    {
        _state = state;
        _derived = derived;
        _limits = limits.Value;
        _analytics = analytics.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Host or CI.</summary>
    protected abstract EntityKind Kind { get; }

    /// <summary>The tag that names this entity in derived series: <c>host</c> or <c>ci</c>.</summary>
    private string EntityTag => Kind == EntityKind.Host ? "host" : "ci";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await RefreshCiAsync();
        foreach (var (key, snapshot) in _state.State.Series)
        {
            var series = SeriesState.FromSnapshot(snapshot, TryGetThreshold(key, out var metric, out var threshold) ? Policy(threshold) : null);
            series.Metric = series.Predictor is null ? null : metric;
            _series[key] = series;
        }

        _pointCount = _state.State.PointCount;
        _lastSeenNs = _state.State.LastSeenNs;
        _lastSnapshot = _time.GetTimestamp();
        _forecastHorizon = TimeSpan.FromMinutes(_analytics.ForecastHorizonMinutes);
        _multivariateMetrics = _analytics.MultivariateMetrics.Count == 0 ? null : new HashSet<string>(_analytics.MultivariateMetrics, StringComparer.Ordinal);
        if (_multivariateMetrics is not null && _state.State.HostModel is { } model)
        {
            try
            {
                _hostModel = HostModel.Restore(model);
            }
            catch (FormatException)
            {
                // Another model version: it retrains from new data.
                _hostModel = null;
            }
        }

        _anomalies = this.GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        _predictions = this.GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<PredictionEvent>(StreamId.Create(PredictionStreams.Namespace, AnomalyStreams.AllKey));
        await base.OnActivateAsync(cancellationToken);
    }

    /// <summary>How often (wall clock) the entity re-reads its CI from the CMDB for per-CI and per-type thresholds.</summary>
    private static readonly TimeSpan CiRefreshInterval = TimeSpan.FromMinutes(5);

    private string? _ciType;

    private IReadOnlyDictionary<string, string>? _ciAttributes;

    private long _ciReadAt;

    private bool TryGetThreshold(string series, out string metric, out double threshold) =>
        _analytics.TryGetThreshold(series, _ciType, _ciAttributes, out metric, out threshold);

    /// <summary>
    /// Reads this entity's CI (CI id = host name or CI key) for its type and <c>threshold.*</c> attributes; a host the CMDB
    /// does not know has type <c>host</c>. A failed read keeps what was known: thresholds must not flap with the CMDB grain.
    /// </summary>
    private async Task RefreshCiAsync()
    {
        _ciReadAt = _time.GetTimestamp();
        try
        {
            var ci = await GrainFactory.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).GetCi(this.GetPrimaryKeyString());
            _ciType = ci?.Type ?? (Kind == EntityKind.Host ? "host" : null);
            _ciAttributes = ci?.Attributes;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _ciType ??= Kind == EntityKind.Host ? "host" : null;
            LogCiReadFailed(_logger, ex, Kind, this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Every <see cref="CiRefreshInterval"/>, re-reads the CI and moves predictors whose threshold changed (a CMDB
    /// attribute or type edited) to the new one, keeping what they learnt of the trend; a metric whose threshold was
    /// turned off stops being predicted, one that got a threshold starts.
    /// </summary>
    private async Task RefreshThresholdsIfDueAsync()
    {
        if (_time.GetElapsedTime(_ciReadAt) < CiRefreshInterval)
        {
            return;
        }

        await RefreshCiAsync();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var (key, series) in _series)
        {
            var has = TryGetThreshold(key, out var metric, out var threshold);
            if (!has)
            {
                series.Predictor = null;
                series.Metric = null;
            }
            else if (series.Predictor is null)
            {
                series.Predictor = new ThresholdPredictor(Policy(threshold));
                series.Metric = metric;
            }
            else if (series.Predictor.Policy.Threshold != threshold)
            {
                buffer.ResetWrittenCount();
                series.Predictor.WriteState(buffer);
                series.Predictor = ThresholdPredictor.Restore(buffer.WrittenSpan, Policy(threshold));
            }
        }
    }

    public async Task Ingest(TelemetryBatch batch)
    {
        await RefreshThresholdsIfDueAsync();
        List<DerivedPoint>? derived = null;
        List<AnomalyEvent>? events = null;
        List<PredictionEvent>? predictions = null;
        foreach (var sample in batch.Samples)
        {
            if (!_series.TryGetValue(sample.Series, out var series))
            {
                if (_series.Count >= _limits.MaxSeriesPerEntity)
                {
                    if (_rejectedSeries++ == 0)
                    {
                        LogCardinalityLimit(_logger, Kind, this.GetPrimaryKeyString(), _limits.MaxSeriesPerEntity, sample.Series);
                    }

                    continue;
                }

                series = new SeriesState();
                if (TryGetThreshold(sample.Series, out var metric, out var threshold))
                {
                    series.Predictor = new ThresholdPredictor(Policy(threshold));
                    series.Metric = metric;
                }

                _series.Add(sample.Series, series);
            }

            _pointCount++;
            _lastSeenNs = Math.Max(_lastSeenNs, sample.TimestampNs);
            if (series.Add(sample.TimestampNs, sample.Value) && double.IsFinite(sample.Value))
            {
                Detect(sample, series, ref derived, ref events);
                if (_multivariateMetrics is not null && _multivariateMetrics.Contains(AnalyticsOptions.MetricOf(sample.Series)))
                {
                    ScoreJointly(sample, ref derived, ref events);
                }

                if (series.Predictor is not null)
                {
                    Predict(sample, series, ref derived, ref predictions);
                }
            }
        }

        _dirty = true;
        if (derived is not null)
        {
            _derived.Write(derived);
        }

        if (events is not null)
        {
            await _anomalies!.OnNextBatchAsync(events);
        }

        if (predictions is not null)
        {
            await _predictions!.OnNextBatchAsync(predictions);
        }

        var now = _time.GetTimestamp();
        if (_lastReport == long.MinValue || _time.GetElapsedTime(_lastReport, now) >= IEntityDirectoryGrain.ReportInterval)
        {
            _lastReport = now;
            await GrainFactory.GetGrain<IEntityDirectoryGrain>(DirectoryKey(Kind)).Report(Summary());
        }

        if (_time.GetElapsedTime(_lastSnapshot, now) >= TimeSpan.FromSeconds(_analytics.SnapshotIntervalSeconds))
        {
            await SnapshotAsync();
        }
    }

    public Task<EntityState> GetState()
    {
        var series = new List<SeriesStatus>(_series.Count);
        foreach (var (key, s) in _series.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            series.Add(new SeriesStatus(key, s.LastValue, s.LastTimestampNs, s.Count, s.RatePerSecond));
        }

        return Task.FromResult(new EntityState(this.GetPrimaryKeyString(), Kind, _pointCount, _lastSeenNs, series, _rejectedSeries));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Best effort on the way out: keep the detector state and leave the directory with the final counts. When the
        // whole silo shuts down the directory may be gone already, and that must not fail the shutdown.
        try
        {
            await SnapshotAsync();
            if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
            {
                await GrainFactory.GetGrain<IEntityDirectoryGrain>(DirectoryKey(Kind)).Report(Summary());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDeactivationWorkFailed(_logger, ex, Kind, this.GetPrimaryKeyString());
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>Directory grain key of an entity kind.</summary>
    public static string DirectoryKey(EntityKind kind) => kind == EntityKind.Host ? "host" : "ci";

    private void Detect(in SeriesSample sample, SeriesState series, ref List<DerivedPoint>? derived, ref List<AnomalyEvent>? events)
    {
        if (_analytics.Detector == "null")
        {
            return;
        }

        series.Detector ??= DetectorFactory.Create(_analytics.Detector);
        var score = series.Detector.Update(sample.TimestampNs / 1_000_000, sample.Value);
        var anomalous = score >= _analytics.AnomalyThreshold && series.Count > _analytics.ProbationPoints;
        var episode = series.Episode;
        var change = episode.Update(sample.TimestampNs, sample.Value, score, anomalous, _analytics.EpisodeQuietPoints, EpisodeMaxNs, RecurrenceNs);
        if (change != EpisodeChange.None)
        {
            var key = this.GetPrimaryKeyString();
            (events ??= []).Add(change switch
            {
                EpisodeChange.Onset => new AnomalyEvent(
                    $"{EntityTag}/{key}/{sample.Series}/{sample.TimestampNs}", Kind, key, sample.Series, series.Detector.Name, score, sample.Value, sample.TimestampNs),

                // The detector is quiet (alert memory): the event carries the score of the episode it repeats, and says so.
                EpisodeChange.Recurrence => new AnomalyEvent(
                    $"{EntityTag}/{key}/{sample.Series}/{episode.OnsetNs}", Kind, key, sample.Series, series.Detector.Name + RecurrenceSuffix, episode.MaxScore, sample.Value, episode.OnsetNs!.Value),
                _ => new AnomalyEvent(
                    $"{EntityTag}/{key}/{sample.Series}/{episode.EndedOnsetNs}", Kind, key, sample.Series, series.Detector.Name, score, sample.Value, sample.TimestampNs, Ended: true),
            });
        }

        if (anomalous)
        {
            (derived ??= []).Add(AnomalyPoint(sample, score, true));
            return;
        }

        // Quiet scores: keep the highest of each event-time window and write it when the window closes.
        var interval = _analytics.ScoreWriteIntervalSeconds * 1_000_000_000L;
        if (series.ScoreWindowStartNs != long.MinValue && sample.TimestampNs - series.ScoreWindowStartNs >= interval)
        {
            (derived ??= []).Add(AnomalyPoint(new SeriesSample(sample.Series, series.ScoreWindowTimestampNs, series.ScoreWindowValue), series.ScoreWindowMax, false));
            series.ScoreWindowStartNs = long.MinValue;
        }

        if (series.ScoreWindowStartNs == long.MinValue)
        {
            series.ScoreWindowStartNs = sample.TimestampNs;
            series.ScoreWindowMax = -1;
        }

        if (score > series.ScoreWindowMax)
        {
            series.ScoreWindowMax = score;
            series.ScoreWindowValue = sample.Value;
            series.ScoreWindowTimestampNs = sample.TimestampNs;
        }
    }

    /// <summary>
    /// Runs the threshold predictor: raised and changed predictions become <c>aiops_prediction</c> points and
    /// prediction events (one id while the prediction stands: updated, never duplicated); a withdrawal writes a point
    /// with probability 0. Separately, the first sample of a run at or above the threshold that lasts 5 minutes of
    /// event time is reported as the crossing, which the ledger grades predictions by.
    /// </summary>
    private void Predict(in SeriesSample sample, SeriesState series, ref List<DerivedPoint>? derived, ref List<PredictionEvent>? events)
    {
        var predictor = series.Predictor!;
        var threshold = predictor.Policy.Threshold;
        var change = predictor.Update(sample.TimestampNs / 1_000_000, sample.Value);
        if (change is not null)
        {
            var kind = change.Kind switch
            {
                PredictionChangeKind.Raised => PredictionEventKind.Raised,
                PredictionChangeKind.Updated => PredictionEventKind.Updated,
                _ => PredictionEventKind.Withdrawn,
            };
            var p = change.Prediction;
            if (kind == PredictionEventKind.Raised || series.PredictionId is null)
            {
                kind = kind == PredictionEventKind.Withdrawn ? kind : PredictionEventKind.Raised;
                series.PredictionId = kind == PredictionEventKind.Withdrawn ? null : $"{EntityTag}/{this.GetPrimaryKeyString()}/{sample.Series}/{sample.TimestampNs / 1_000_000}";
            }

            if (series.PredictionId is not null)
            {
                var id = series.PredictionId;
                var eta = p is null ? 0 : p.EtaUnixMs * 1_000_000;
                var low = p is null ? 0 : p.LowUnixMs * 1_000_000;
                var high = p is null ? 0 : p.HighUnixMs * 1_000_000;
                var probability = p?.Probability ?? 0;
                (events ??= []).Add(new PredictionEvent(kind, id, Kind, this.GetPrimaryKeyString(), sample.Series, series.Metric!, threshold, sample.TimestampNs, eta, low, high, probability, sample.Value));
                (derived ??= []).Add(new DerivedPoint(
                    "aiops_prediction",
                    [new(EntityTag, this.GetPrimaryKeyString()), new("series", sample.Series), new("threshold", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                    [
                        new("eta_s", p is null ? 0.0 : (eta - sample.TimestampNs) / 1e9),
                        new("eta_low_s", p is null ? 0.0 : (low - sample.TimestampNs) / 1e9),
                        new("eta_high_s", p is null ? 0.0 : (high - sample.TimestampNs) / 1e9),
                        new("probability", probability),
                        new("id", id),
                    ],
                    sample.TimestampNs));
                if (kind == PredictionEventKind.Withdrawn)
                {
                    series.PredictionId = null;
                }
            }
        }

        // Forecast band: one aiops_forecast point per closed bucket (every 10 minutes of event time), stamped at the
        // time it forecasts, so Grafana draws the band ahead of the series.
        if (predictor.BucketClosed && predictor.TryForecast(_forecastHorizon, out var forecast))
        {
            (derived ??= []).Add(new DerivedPoint(
                "aiops_forecast",
                [new(EntityTag, this.GetPrimaryKeyString()), new("series", sample.Series)],
                [new("predicted", forecast.Predicted), new("lower", forecast.Lower), new("upper", forecast.Upper), new("horizon_s", _forecastHorizon.TotalSeconds)],
                forecast.AtUnixMs * 1_000_000));
        }

        // Crossing: at or above the threshold, staying there for 5 minutes of event time (short spikes are not crossings).
        // After a crossing the series must stay below the threshold for an hour before another crossing counts, so a
        // value hovering around the threshold is one problem, not one per dip.
        if (sample.Value >= threshold)
        {
            series.BelowSinceNs = null;
            series.AboveSinceNs ??= sample.TimestampNs;
            if (!series.CrossingReported && sample.TimestampNs - series.AboveSinceNs.Value >= CrossingHoldNs)
            {
                series.CrossingReported = true;
                (events ??= []).Add(new PredictionEvent(
                    PredictionEventKind.Crossed, series.PredictionId ?? string.Empty, Kind, this.GetPrimaryKeyString(), sample.Series, series.Metric!, threshold, series.AboveSinceNs.Value, 0, 0, 0, 0, sample.Value));
            }
        }
        else
        {
            series.AboveSinceNs = null;
            series.BelowSinceNs ??= sample.TimestampNs;
            if (series.CrossingReported && sample.TimestampNs - series.BelowSinceNs.Value >= CrossingRearmNs)
            {
                series.CrossingReported = false;
            }
        }
    }

    /// <summary>
    /// Feeds the per-host multivariate model; each closed one-minute bucket it scores becomes an <c>aiops_anomaly</c>
    /// point of the pseudo-series <c>host</c> (detector <c>hostpca</c>; value = the share of the error of the series that
    /// contributes most), and a joint-anomaly episode an <see cref="AnomalyEvent"/> naming that series.
    /// </summary>
    private void ScoreJointly(in SeriesSample sample, ref List<DerivedPoint>? derived, ref List<AnomalyEvent>? events)
    {
        _hostModel ??= new HostModel();
        if (_hostModel.Update(sample.TimestampNs / 1_000_000, sample.Series, sample.Value) is not { } score)
        {
            return;
        }

        var timeNs = score.BucketStartUnixMs * 1_000_000;
        var anomalous = score.Score >= _analytics.AnomalyThreshold;
        (derived ??= []).Add(new DerivedPoint(
            "aiops_anomaly",
            [new(EntityTag, this.GetPrimaryKeyString()), new("series", JointSeries), new("detector", JointDetector)],
            [new("score", score.Score), new("value", score.TopShare), new("anomaly", anomalous), new("top_series", score.TopSeries)],
            timeNs));
        if (!anomalous)
        {
            if (_hostEpisodeOnsetNs is { } onset && ++_hostQuietBuckets >= _analytics.EpisodeQuietPoints)
            {
                _hostEpisodeOnsetNs = null;
                var key = this.GetPrimaryKeyString();
                // The end names the series the onset named: the incident manager recovers the member (CI, series) it added.
                (events ??= []).Add(new AnomalyEvent(
                    $"{EntityTag}/{key}/{JointSeries}/{onset}", Kind, key, _hostEpisodeSeries ?? JointSeries, JointDetector, score.Score, score.TopShare, timeNs, Ended: true));
            }

            return;
        }

        _hostQuietBuckets = 0;
        if (_hostEpisodeOnsetNs is null)
        {
            _hostEpisodeOnsetNs = timeNs;
            _hostEpisodeSeries = $"{JointSeries}:{score.TopSeries}";
            var key = this.GetPrimaryKeyString();
            (events ??= []).Add(new AnomalyEvent($"{EntityTag}/{key}/{JointSeries}/{timeNs}", Kind, key, _hostEpisodeSeries, JointDetector, score.Score, score.TopShare, timeNs));
        }
    }

    /// <summary>Series name and detector name of the multivariate model's scores.</summary>
    private const string JointSeries = "host";

    private const string JointDetector = "hostpca";

    /// <summary>Appended to the detector name of a recurrence event (<see cref="EpisodeChange.Recurrence"/>).</summary>
    public const string RecurrenceSuffix = "/recurrence";

    private long EpisodeMaxNs => (long)(_analytics.EpisodeMaxHours * 3600e9);

    private long RecurrenceNs => (long)(_analytics.RecurrenceMinutes * 60e9);

    private ThresholdPolicy Policy(double threshold) => new(threshold, TimeSpan.FromHours(_analytics.PredictionHorizonHours));

    private static readonly long CrossingHoldNs = TimeSpan.FromMinutes(5).Ticks * 100;

    private static readonly long CrossingRearmNs = TimeSpan.FromHours(1).Ticks * 100;

    private DerivedPoint AnomalyPoint(in SeriesSample sample, double score, bool anomaly) => new(
        "aiops_anomaly",
        [new(EntityTag, this.GetPrimaryKeyString()), new("series", sample.Series), new("detector", _analytics.Detector)],
        [new("score", score), new("value", sample.Value), new("anomaly", anomaly)],
        sample.TimestampNs);

    private async Task SnapshotAsync()
    {
        _lastSnapshot = _time.GetTimestamp();
        if (!_dirty)
        {
            return;
        }

        var state = new EntityAnalyticsState { PointCount = _pointCount, LastSeenNs = _lastSeenNs, HostModel = SnapshotHostModel() };
        foreach (var (key, series) in _series)
        {
            state.Series[key] = series.ToSnapshot();
        }

        _state.State = state;
        await _state.WriteStateAsync();
        _dirty = false;
    }

    private byte[]? SnapshotHostModel()
    {
        if (_hostModel is null)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        _hostModel.WriteState(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private EntitySummary Summary() => new(this.GetPrimaryKeyString(), Kind, _series.Count, _pointCount, _lastSeenNs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {EntityKey}: reading its CI from the CMDB failed; thresholds by CI type and CI attribute keep what was known")]
    private static partial void LogCiReadFailed(ILogger logger, Exception exception, EntityKind kind, string entityKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} {EntityKey} reached {Limit} series; new series such as {Series} are not analysed")]
    private static partial void LogCardinalityLimit(ILogger logger, EntityKind kind, string entityKey, int limit, string series);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deactivation snapshot or directory report of {Kind} {EntityKey} failed")]
    private static partial void LogDeactivationWorkFailed(ILogger logger, Exception exception, EntityKind kind, string entityKey);
}
