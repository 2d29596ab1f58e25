using System.Buffers;
using Aiops.Analytics.Anomaly;

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
}

/// <summary>Persisted state of an entity grain's analytics.</summary>
[GenerateSerializer, Alias("aiops.EntityAnalyticsState")]
public sealed class EntityAnalyticsState
{
    [Id(0)] public Dictionary<string, SeriesSnapshot> Series { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long PointCount { get; set; }

    [Id(2)] public long LastSeenNs { get; set; }
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

    /// <summary>Onset (ns) of the running episode, or null.</summary>
    public long? EpisodeOnsetNs { get; set; }

    public int QuietPoints { get; set; }

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

        return new SeriesSnapshot
        {
            LastValue = LastValue,
            LastTimestampNs = LastTimestampNs,
            Count = Count,
            RatePerSecond = RatePerSecond,
            Detector = Detector?.Name,
            DetectorState = detectorState,
        };
    }

    public static SeriesState FromSnapshot(SeriesSnapshot s)
    {
        var state = new SeriesState
        {
            LastValue = s.LastValue,
            LastTimestampNs = s.LastTimestampNs,
            Count = s.Count,
            RatePerSecond = s.RatePerSecond,
        };
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
