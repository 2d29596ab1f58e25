using System.Buffers;
using Aiops.Analytics.Anomaly;
using Aiops.Analytics.Prediction;

namespace Aiops.Grains;

/// <summary>Persisted form of one series: live statistics plus the detector snapshot.</summary>
[GenerateSerializer, Alias("aiops.SeriesSnapshot")]
public sealed class SeriesSnapshot
{
    [Id(0)] public double LastValue { get; set; }

    [Id(1)] public long LastTimestampNs { get; set; }

    [Id(2)] public long Count { get; set; }

    [Id(3)] public double RatePerSecond { get; set; }

    [Id(4)] public string? Detector { get; set; }

    [Id(5)] public byte[]? DetectorState { get; set; }

    [Id(6)] public byte[]? PredictorState { get; set; }

    [Id(7)] public string? PredictionId { get; set; }

    [Id(8)] public long? AboveSinceNs { get; set; }

    [Id(9)] public bool CrossingReported { get; set; }

    [Id(10)] public long? BelowSinceNs { get; set; }

    [Id(11)] public EpisodeSnapshot? Episode { get; set; }
}

/// <summary>Persisted state of an entity grain's analytics.</summary>
[GenerateSerializer, Alias("aiops.EntityAnalyticsState")]
public sealed class EntityAnalyticsState
{
    [Id(0)] public Dictionary<string, SeriesSnapshot> Series { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long PointCount { get; set; }

    [Id(2)] public long LastSeenNs { get; set; }

    [Id(3)] public byte[]? HostModel { get; set; }
}

/// <summary>
/// One series inside an entity grain: latest value by event time, count, rate, and its streaming detector with the
/// state of the current anomaly episode.
/// </summary>
internal sealed class SeriesState
{
    public double LastValue { get; private set; }

    public long LastTimestampNs { get; private set; } = long.MinValue;

    public long Count { get; private set; }

    public double RatePerSecond { get; private set; }

    public IStreamingDetector? Detector { get; set; }

    /// <summary>The threshold predictor, for series with a threshold.</summary>
    public ThresholdPredictor? Predictor { get; set; }

    /// <summary>Metric (<c>measurement.field</c>) whose threshold <see cref="Predictor"/> watches.</summary>
    public string? Metric { get; set; }

    /// <summary>Id of the standing prediction, or null.</summary>
    public string? PredictionId { get; set; }

    /// <summary>Since when (event time) the value has stayed at or above the threshold, or null.</summary>
    public long? AboveSinceNs { get; set; }

    /// <summary>Whether the current crossing has been reported (re-armed after an hour below the threshold).</summary>
    public bool CrossingReported { get; set; }

    /// <summary>Since when (event time) the value has stayed below the threshold, or null.</summary>
    public long? BelowSinceNs { get; set; }

    /// <summary>The series' anomaly episode: onset, recovery, recurrence.</summary>
    public AnomalyEpisode Episode { get; private set; } = new();

    /// <summary>Start (event time) of the current quiet-score window, and the highest score in it.</summary>
    public long ScoreWindowStartNs { get; set; } = long.MinValue;

    public double ScoreWindowMax { get; set; } = -1;

    public double ScoreWindowValue { get; set; }

    public long ScoreWindowTimestampNs { get; set; }

    /// <summary>Updates the statistics; returns false for a late sample (older than the latest), which only counts.</summary>
    public bool Add(long timestampNs, double value)
    {
        Count++;
        if (timestampNs < LastTimestampNs)
        {
            return false;
        }

        if (Count > 1 && timestampNs > LastTimestampNs)
        {
            RatePerSecond = (value - LastValue) / ((timestampNs - LastTimestampNs) / 1e9);
        }

        LastValue = value;
        LastTimestampNs = timestampNs;
        return true;
    }

    public SeriesSnapshot ToSnapshot()
    {
        byte[]? detectorState = null;
        if (Detector is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            Detector.WriteState(buffer);
            detectorState = buffer.WrittenSpan.ToArray();
        }

        byte[]? predictorState = null;
        if (Predictor is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            Predictor.WriteState(buffer);
            predictorState = buffer.WrittenSpan.ToArray();
        }

        return new SeriesSnapshot
        {
            LastValue = LastValue,
            LastTimestampNs = LastTimestampNs,
            Count = Count,
            RatePerSecond = RatePerSecond,
            Detector = Detector?.Name,
            DetectorState = detectorState,
            PredictorState = predictorState,
            PredictionId = PredictionId,
            AboveSinceNs = AboveSinceNs,
            CrossingReported = CrossingReported,
            BelowSinceNs = BelowSinceNs,
            Episode = Episode.ToSnapshot(),
        };
    }

    public static SeriesState FromSnapshot(SeriesSnapshot s, ThresholdPolicy? policy)
    {
        var state = new SeriesState
        {
            LastValue = s.LastValue,
            LastTimestampNs = s.LastTimestampNs,
            Count = s.Count,
            RatePerSecond = s.RatePerSecond,
            PredictionId = s.PredictionId,
            AboveSinceNs = s.AboveSinceNs,
            CrossingReported = s.CrossingReported,
            BelowSinceNs = s.BelowSinceNs,
            Episode = AnomalyEpisode.FromSnapshot(s.Episode),
        };
        if (policy is not null && s.PredictorState is not null)
        {
            try
            {
                state.Predictor = ThresholdPredictor.Restore(s.PredictorState, policy);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                // Another predictor version or a changed policy: learn afresh (the standing prediction id is kept).
                state.Predictor = null;
            }
        }

        if (s.Detector is not null && s.DetectorState is not null)
        {
            try
            {
                state.Detector = DetectorFactory.Restore(s.Detector, s.DetectorState);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException)
            {
                // A snapshot of another detector version: start that detector afresh rather than fail the grain.
                state.Detector = null;
            }
        }

        return state;
    }
}
