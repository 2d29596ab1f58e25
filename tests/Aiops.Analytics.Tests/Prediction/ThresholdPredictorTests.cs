using System.Buffers;
using Aiops.Analytics.Prediction;

namespace Aiops.Analytics.Tests.Prediction;

public class ThresholdPredictorTests
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;
    private static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>Feeds f(hours) + Gaussian noise at ~1-minute jittered sampling; returns every change with its sample time.</summary>
    private static List<(long Time, PredictionChange Change)> Feed(ThresholdPredictor p, Func<double, double> f, double hours, double noise, int seed, double fromHours = 0)
    {
        var rng = new Random(seed);
        var changes = new List<(long, PredictionChange)>();
        for (double t = fromHours * 60; t < hours * 60; t += 1 + (rng.NextDouble() - 0.5) * 0.3)
        {
            long ms = Start + (long)(t * Minute);
            double n = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            if (p.Update(ms, f(t / 60) + noise * n) is { } c)
            {
                changes.Add((ms, c));
            }
        }

        return changes;
    }

    private static string Describe(List<(long Time, PredictionChange Change)> changes) =>
        string.Join("; ", changes.Select(c => $"{(c.Time - Start) / (double)Hour:0.0}h {c.Change.Kind} eta={(c.Change.Prediction is { } p ? ((p.EtaUnixMs - Start) / (double)Hour).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-")}"));

    [Fact]
    public void Update_LinearLeak_RaisesWellBeforeCrossingWithEtaNearTruth()
    {
        // 40 % + 1 %/h: reaches 95 at 55 h.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 40 + h, 54, 0.5, 1);

        (long time, PredictionChange raised) = changes.First(c => c.Change.Kind == PredictionChangeKind.Raised);
        long crossing = Start + 55 * Hour;
        long lead = crossing - time;
        Assert.True(lead >= 4 * Hour, $"lead {lead / (double)Hour:0.0} h");
        double relErr = Math.Abs(raised.Prediction!.EtaUnixMs - crossing) / (double)lead;
        Assert.True(relErr <= 0.25, $"relative ETA error {relErr:0.00}");
        Assert.True(raised.Prediction.LowUnixMs <= raised.Prediction.EtaUnixMs && raised.Prediction.EtaUnixMs <= raised.Prediction.HighUnixMs);
        Assert.NotNull(p.Current);
    }

    [Fact]
    public void Update_StandingPrediction_UpdatesOnlyOnMaterialChange()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 40 + h, 54, 0.5, 2);

        Assert.True(changes.Count(c => c.Change.Kind == PredictionChangeKind.Raised) == 1, Describe(changes));
        // A steady leak keeps its ETA: a handful of updates at most over the ~20 h the prediction stands.
        Assert.True(changes.Count(c => c.Change.Kind == PredictionChangeKind.Updated) <= 5);
    }

    [Fact]
    public void Update_CachePlateauAt90_NeverRaises()
    {
        // Fills from 50 % towards 90 % (time constant 3 h) and stays there for three days; threshold 95.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => h < 8 ? 50 : 90 - 40 * Math.Exp(-(h - 8) / 3), 80, 0.5, 3);

        Assert.DoesNotContain(changes, c => c.Change.Kind == PredictionChangeKind.Raised);
    }

    [Fact]
    public void Update_ShortSpikesAboveThreshold_NeverRaises()
    {
        // 55 % with a 2-minute spike to 99 % every 3 hours.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => h % 3 < 2.0 / 60 ? 99 : 55, 72, 1.0, 4);

        Assert.Empty(changes);
    }

    [Fact]
    public void Update_LogRotationSawtoothBelowThreshold_NeverRaises()
    {
        // Disk fills 50 → 78 % over 6 h, then rotation; threshold 90.
        var p = new ThresholdPredictor(new ThresholdPolicy(90));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 50 + 28 * (h % 6) / 6, 96, 0.1, 5);

        Assert.DoesNotContain(changes, c => c.Change.Kind == PredictionChangeKind.Raised);
    }

    [Fact]
    public void Update_RestartDuringLeak_WithdrawsPrediction()
    {
        // Leak of 2 %/h from 40 % (crossing due at 27.5 h), restart at 22 h back to 35 %, then flat.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => h < 22 ? 40 + 2 * h : 35, 30, 0.5, 6);

        int raised = changes.FindIndex(c => c.Change.Kind == PredictionChangeKind.Raised);
        Assert.True(raised >= 0, "the leak should have raised a prediction before the restart");
        (long time, PredictionChange withdrawn) = changes.Skip(raised).First(c => c.Change.Kind == PredictionChangeKind.Withdrawn);
        Assert.Null(withdrawn.Prediction);
        Assert.InRange(time, Start + 22 * Hour, Start + 23 * Hour);
        Assert.Null(p.Current);
    }

    [Fact]
    public void WriteState_RestoreMidSeries_ContinuesExactlyLikeTheOriginal()
    {
        var policy = new ThresholdPolicy(95);
        Func<double, double> leak = h => 40 + 1.2 * h + 5 * Math.Sin(h / 24 * 2 * Math.PI);
        var original = new ThresholdPredictor(policy);
        Feed(original, leak, 30, 0.5, 7);

        var buffer = new ArrayBufferWriter<byte>();
        original.WriteState(buffer);
        ThresholdPredictor restored = ThresholdPredictor.Restore(buffer.WrittenSpan, policy);

        List<(long, PredictionChange)> a = Feed(original, leak, 50, 0.5, 8, fromHours: 30);
        List<(long, PredictionChange)> b = Feed(restored, leak, 50, 0.5, 8, fromHours: 30);
        Assert.NotEmpty(a);
        Assert.Equal(a, b);
        Assert.True(buffer.WrittenCount < 16 * 1024, $"state is {buffer.WrittenCount} bytes");
    }

    [Fact]
    public void Restore_TruncatedState_ThrowsFormatException()
    {
        var policy = new ThresholdPolicy(95);
        var p = new ThresholdPredictor(policy);
        Feed(p, h => 50, 3, 0.5, 9);
        var buffer = new ArrayBufferWriter<byte>();
        p.WriteState(buffer);

        Assert.Throws<FormatException>(() => ThresholdPredictor.Restore(buffer.WrittenSpan[..(buffer.WrittenCount / 2)], policy));
    }

    [Fact]
    public void Update_OutOfOrderAndNonFiniteSamples_AreIgnored()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Assert.Null(p.Update(Start + Hour, 50));
        Assert.Null(p.Update(Start, 99));
        Assert.Null(p.Update(Start + 2 * Hour, double.NaN));
        Assert.Null(p.Current);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Constructor_IntervalLevelOutOfRange_Throws(double level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThresholdPredictor(new ThresholdPolicy(95, TimeSpan.FromHours(24), level)));
    }

    [Theory]
    [InlineData("mem.used_percent", 95)]
    [InlineData("disk.used_percent", 90)]
    [InlineData("cpu.usage_active", 95)]
    public void DefaultThresholds_TryGet_KnownMetricsHaveDesignDefaults(string metric, double expected)
    {
        Assert.True(DefaultThresholds.TryGet(metric, out double threshold));
        Assert.Equal(expected, threshold);
    }

    [Fact]
    public void DefaultThresholds_TryGet_UnknownMetric_ReturnsFalse()
    {
        Assert.False(DefaultThresholds.TryGet("net.bytes_recv", out _));
    }
}
