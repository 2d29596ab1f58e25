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
    public void Update_SlowLeakWithFarEta_RaisesOnlyOnceTheEtaIsWithinTheAlertHorizon()
    {
        // 40 % + 1 %/h: reaches 95 at 55 h. The trend is clear from ~10 h on, but the crossing is paged only
        // once its ETA is within the default 6 h alert horizon.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 40 + h, 54, 0.5, 3);

        (long time, PredictionChange raised) = changes.First(c => c.Change.Kind == PredictionChangeKind.Raised);
        long etaLead = raised.Prediction!.EtaUnixMs - time;
        Assert.True(etaLead <= 6 * Hour, $"ETA {etaLead / (double)Hour:0.0} h ahead at the raise; {Describe(changes)}");
        long lead = Start + 55 * Hour - time;
        Assert.True(lead >= 3 * Hour, $"lead {lead / (double)Hour:0.0} h; {Describe(changes)}");
    }

    [Fact]
    public void Update_CleanLinearLeakFourHoursAhead_IntervalWithinAboutAnHour()
    {
        // The live-demo complaint: a clean line (σ 0.15) crossing 95 at 12 h got −2 h / +16 h. A 4 h alert
        // horizon makes the raise come with ~8 h of history and the crossing ~4 h ahead.
        var p = new ThresholdPredictor(new ThresholdPolicy(95) { AlertHorizon = TimeSpan.FromHours(4) });
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 59 + 3 * h, 8.75, 0.15, 11);

        (long time, PredictionChange raised) = changes.First(c => c.Change.Kind == PredictionChangeKind.Raised);
        Aiops.Analytics.Prediction.Prediction pr = raised.Prediction!;
        Assert.InRange((time - Start) / (double)Hour, 7.5, 8.75);
        double early = (pr.EtaUnixMs - pr.LowUnixMs) / (double)Hour, late = (pr.HighUnixMs - pr.EtaUnixMs) / (double)Hour;
        Assert.True(early <= 1.1 && late <= 1.1, $"interval −{early:0.00} h / +{late:0.00} h; {Describe(changes)}");
        long crossing = Start + 12 * Hour;
        Assert.InRange(crossing, pr.LowUnixMs, pr.HighUnixMs);
    }

    [Fact]
    public void Update_LeakWhoseSlopeDoubled_IntervalWiderThanForTheCleanLine()
    {
        // Same level and ETA at the raise, but the rate doubled halfway through the window: the series' own
        // evidence says its slope is not stable, so the interval must not shrink to the clean line's.
        ThresholdPolicy policy = new(95) { AlertHorizon = TimeSpan.FromHours(4) };
        var clean = new ThresholdPredictor(policy);
        var bent = new ThresholdPredictor(policy);
        Aiops.Analytics.Prediction.Prediction c = Feed(clean, h => 59 + 3 * h, 8.75, 0.15, 12).First(x => x.Change.Kind == PredictionChangeKind.Raised).Change.Prediction!;
        Aiops.Analytics.Prediction.Prediction b = Feed(bent, h => h < 4 ? 71 + 1.5 * (h - 4) : 71 + 3 * (h - 4), 11.5, 0.15, 12).First(x => x.Change.Kind == PredictionChangeKind.Raised).Change.Prediction!;

        Assert.True(b.HighUnixMs - b.LowUnixMs > 1.5 * (c.HighUnixMs - c.LowUnixMs),
            $"bent {(b.HighUnixMs - b.LowUnixMs) / (double)Hour:0.00} h, clean {(c.HighUnixMs - c.LowUnixMs) / (double)Hour:0.00} h");
    }

    [Fact]
    public void Update_LongerAlertHorizon_RaisesEarlier()
    {
        var policy = new ThresholdPolicy(95);
        var shortP = new ThresholdPredictor(policy);
        var longP = new ThresholdPredictor(policy with { AlertHorizon = TimeSpan.FromHours(24) });
        long shortRaise = Feed(shortP, h => 40 + h, 54, 0.5, 4).First(c => c.Change.Kind == PredictionChangeKind.Raised).Time;
        long longRaise = Feed(longP, h => 40 + h, 54, 0.5, 4).First(c => c.Change.Kind == PredictionChangeKind.Raised).Time;

        Assert.True(longRaise < shortRaise - 3 * Hour, $"24 h alert horizon raised at {(longRaise - Start) / (double)Hour:0.0} h, 6 h at {(shortRaise - Start) / (double)Hour:0.0} h");
    }

    [Fact]
    public void Update_FlatDayThenSteadyClimb_PredictionStandsThreeHoursBeforeCrossing()
    {
        // The live integration scenario: a day at 60 %, then +1.5 points an hour; 95 is crossed at 24 + 35/1.5 h.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        double crossingHours = 24 + 35 / 1.5;
        List<(long Time, PredictionChange Change)> changes = Feed(p, h => 60 + 1.5 * Math.Max(0, h - 24), crossingHours - 3, 0.7, 5);

        Assert.NotNull(p.Current);
        Assert.True(p.Current!.EtaUnixMs > Start + (long)((crossingHours - 3) * Hour), Describe(changes));
    }

    [Fact]
    public void Update_StepGrowthWithLongFlatStretches_RaisesHoursBeforeCrossing()
    {
        // Disk usage growing in irregular jumps with long flat stretches (the last 18 h flat), then a jump to
        // 87.4 at 55 h and one over 90 at 61.7 h. Over 8 h there is one jump at most and Theil–Sen over 24 h sees
        // mostly flat pairs; the step rule must still find the rate (~1 point an hour over the last day).
        double[] at = [8, 14, 19, 31, 37, 55, 61.7];
        double[] by = [5, 5, 6, 5, 3, 13.4, 4];
        double Level(double h)
        {
            double v = 50;
            for (int i = 0; i < at.Length && h >= at[i]; i++)
            {
                v += by[i];
            }

            return v;
        }

        var p = new ThresholdPredictor(new ThresholdPolicy(90));
        List<(long Time, PredictionChange Change)> changes = Feed(p, Level, 61.6, 0.1, 6);

        // Found by the step rule the raise comes ~4 h ahead; with Theil–Sen alone only ~2.5 h ahead.
        Assert.True(changes.Any(c => c.Change.Kind == PredictionChangeKind.Raised && c.Time <= Start + (long)((61.7 - 3.5) * Hour)), Describe(changes));
    }

    [Fact]
    public void Update_YoungDiskWithTwoJumps_RaisesBeforeTheJumpOverTheThreshold()
    {
        // A disk in its first hours: 51 → 54 at 2 h, → 72.5 at 10 h, → 90.5 (over 90) at 14 h. Within its first
        // 12 h the series used to be too young for the step rule, and the late end of a rate from two jumps lies
        // beyond 24 h; a young series with two clean jumps is step growth and may raise on it.
        static double Level(double h) => h < 2 ? 51.3 : h < 10 ? 54 : h < 14 ? 72.5 : 90.5;
        var p = new ThresholdPredictor(new ThresholdPolicy(90));
        List<(long Time, PredictionChange Change)> changes = Feed(p, Level, 13.9, 0.05, 21);

        Assert.True(changes.Any(c => c.Change.Kind == PredictionChangeKind.Raised && c.Time <= Start + 13 * Hour), Describe(changes));
    }

    [Fact]
    public void Update_YoungSeriesFastLeak_RaisesHalfAnHourBeforeTheCrossing()
    {
        // Flat at 42.5 for 15 h, then a leak that speeds up: 42.5 + 6·(h − 15)^1.3 crosses 95 at ~20.3 h. The
        // young-series guard holds the ETA back until it is within 6 h; its drift must already be known then.
        static double Level(double h) => h < 15 ? 42.5 : 42.5 + 6 * Math.Pow(h - 15, 1.3);
        double crossing = 15 + Math.Pow(52.5 / 6, 1 / 1.3);
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, Level, crossing - 0.1, 0.3, 22);

        Assert.True(changes.Any(c => c.Change.Kind == PredictionChangeKind.Raised && c.Time <= Start + (long)((crossing - 0.5) * Hour)), Describe(changes));
    }

    [Fact]
    public void Update_ThresholdTouchedWithoutSustainedRun_StillPredictsTheLaterCrossing()
    {
        // Half an hour at 30 h where three samples in four read 96 (bucket medians above 95, but no run at/above
        // 95 lasts 5 minutes: not a crossing), then a leak from 60 at 31 h, +2 points an hour: 95 at 48.5 h.
        // Only a sustained run is an incident that silences predictions for a horizon.
        static double F(double h) =>
            h is >= 30 and < 30.5 ? ((int)Math.Floor(h * 60) % 4 == 3 ? 80 : 96)
            : 60 + 2 * Math.Max(0, h - 31);
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, F, 48, 0.3, 7);

        Assert.True(changes.Any(c => c.Change.Kind == PredictionChangeKind.Raised && c.Time >= Start + 31 * Hour), Describe(changes));
    }

    [Fact]
    public void Update_SustainedRunAboveThreshold_QuietForOneHorizon()
    {
        // 20 minutes at 97 at 30 h is an incident: the leak that starts right after it is not predicted within
        // the next 24 h (the incident is already open).
        static double F(double h) => h is >= 30 and < 30.33 ? 97 : 60 + 2 * Math.Max(0, h - 31);
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        List<(long Time, PredictionChange Change)> changes = Feed(p, F, 48, 0.3, 7);

        Assert.DoesNotContain(changes, c => c.Change.Kind == PredictionChangeKind.Raised && c.Time >= Start + 30 * Hour);
    }

    [Fact]
    public void ThresholdPolicy_NonPositiveAlertHorizon_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThresholdPredictor(new ThresholdPolicy(95) { AlertHorizon = TimeSpan.Zero }));
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
    public void Restore_StateWithoutTheAboveThresholdRun_RestoresLikeBeforeItExisted()
    {
        // State written before the run start was appended (8 bytes at the end) still restores and predicts.
        var policy = new ThresholdPolicy(95);
        var original = new ThresholdPredictor(policy);
        Feed(original, h => 40 + h, 40, 0.5, 10);
        var buffer = new ArrayBufferWriter<byte>();
        original.WriteState(buffer);

        ThresholdPredictor restored = ThresholdPredictor.Restore(buffer.WrittenSpan[..(buffer.WrittenCount - 8)], policy);

        List<(long, PredictionChange)> a = Feed(original, h => 40 + h, 54, 0.5, 11, fromHours: 40);
        List<(long, PredictionChange)> b = Feed(restored, h => 40 + h, 54, 0.5, 11, fromHours: 40);
        Assert.NotEmpty(a);
        Assert.Equal(a, b);
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

    /// <summary>The same jittered ~1-minute samples as <see cref="Feed"/>, as a sequence (for tests that act between samples).</summary>
    private static IEnumerable<(long Time, double Value)> Samples(Func<double, double> f, double hours, double noise, int seed, double fromHours = 0)
    {
        var rng = new Random(seed);
        for (double t = fromHours * 60; t < hours * 60; t += 1 + (rng.NextDouble() - 0.5) * 0.3)
        {
            double n = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            yield return (Start + (long)(t * Minute), f(t / 60) + noise * n);
        }
    }

    [Fact]
    public void TryForecast_LinearLeak_OneHourAheadNearTruthAndWithinBand()
    {
        // 40 % + 1 %/h, 30 h of history: far below the threshold, so only the trend is at stake.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Feed(p, h => 40 + h, 30, 0.5, 11);

        Assert.True(p.TryForecast(TimeSpan.FromHours(1), out Forecast fc));
        double truth = 40 + (fc.AtUnixMs - Start) / (double)Hour;
        Assert.InRange(fc.AtUnixMs - (Start + 31 * Hour), -2 * Minute, 0);
        Assert.True(Math.Abs(fc.Predicted - truth) < 0.5, $"predicted {fc.Predicted:0.00}, truth {truth:0.00}");
        Assert.InRange(truth, fc.Lower, fc.Upper);
        Assert.True(fc.Lower < fc.Predicted && fc.Predicted < fc.Upper);
    }

    [Fact]
    public void TryForecast_LongerHorizon_BandWidens()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Feed(p, h => 40 + h, 30, 0.5, 12);

        Assert.True(p.TryForecast(TimeSpan.FromHours(1), out Forecast near));
        Assert.True(p.TryForecast(TimeSpan.FromHours(12), out Forecast far));
        Assert.True(far.Upper - far.Lower > near.Upper - near.Lower);
        Assert.True(Math.Abs(far.Predicted - (40 + (far.AtUnixMs - Start) / (double)Hour)) < 2, $"predicted {far.Predicted:0.00}");
    }

    [Fact]
    public void TryForecast_FlatNoisySeries_BandHoldsFutureSamplesAboutAtIntervalLevel()
    {
        // Every bucket from 12 h on forecasts 1 h ahead; each forecast is checked against the first sample at or
        // after its time. Three seeds, ~650 checks (neighbouring checks are correlated through the shared fit).
        int inside = 0, total = 0;
        for (int seed = 20; seed < 23; seed++)
        {
            var p = new ThresholdPredictor(new ThresholdPolicy(95));
            (long Time, double Value)[] samples = Samples(h => 50, 48, 2.0, seed).ToArray();
            var forecasts = new List<Forecast>();
            foreach ((long time, double value) in samples)
            {
                p.Update(time, value);
                if (p.BucketClosed && time >= Start + 12 * Hour && p.TryForecast(TimeSpan.FromHours(1), out Forecast fc))
                {
                    forecasts.Add(fc);
                }
            }

            int k = 0;
            foreach (Forecast fc in forecasts)
            {
                while (k < samples.Length && samples[k].Time < fc.AtUnixMs)
                {
                    k++;
                }

                if (k == samples.Length)
                {
                    break;
                }

                total++;
                if (samples[k].Value >= fc.Lower && samples[k].Value <= fc.Upper)
                {
                    inside++;
                }
            }
        }

        double coverage = inside / (double)total;
        Assert.True(total > 500, $"{total} checks");
        Assert.InRange(coverage, 0.72, 0.90);
    }

    [Fact]
    public void TryForecast_RightAfterReset_FalseOrAtTheNewLevel()
    {
        // Leak of 1 %/h from 40 %, restart at 20 h down to 30 %, where it keeps leaking at 1 %/h.
        Func<double, double> f = h => h < 20 ? 40 + h : 30 + (h - 20);
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Feed(p, f, 20.3, 0.5, 13);

        // The old tooth ended near 60 %: a forecast carrying it on would say ~61 %.
        if (p.TryForecast(TimeSpan.FromHours(1), out Forecast early))
        {
            Assert.True(Math.Abs(early.Predicted - 31.3) < 3, $"predicted {early.Predicted:0.0}");
        }

        Feed(p, f, 24, 0.5, 14, fromHours: 20.3);
        Assert.True(p.TryForecast(TimeSpan.FromHours(1), out Forecast later));
        double truth = f((later.AtUnixMs - Start) / (double)Hour);
        Assert.True(Math.Abs(later.Predicted - truth) < 1, $"predicted {later.Predicted:0.0}, truth {truth:0.0}");
    }

    [Fact]
    public void TryForecast_WhenPredictionRaisedOrUpdated_ForecastAtEtaIsAtThreshold()
    {
        // Accelerating leak: the ETA moves, so there are raises and updates to check.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        int checkedChanges = 0;
        foreach ((long time, double value) in Samples(h => 40 + 0.6 * h + 0.012 * h * h, 50, 0.5, 15))
        {
            if (p.Update(time, value) is { Prediction: { } pred })
            {
                Assert.True(p.TryForecast(TimeSpan.FromMilliseconds(pred.EtaUnixMs - time), out Forecast fc));
                Assert.Equal(pred.EtaUnixMs, fc.AtUnixMs);
                Assert.True(Math.Abs(fc.Predicted - 95) < 1, $"forecast at the ETA {fc.Predicted:0.00}");
                Assert.InRange(95, fc.Lower, fc.Upper);
                checkedChanges++;
            }
        }

        Assert.True(checkedChanges >= 1, "the leak should have raised a prediction");
    }

    [Fact]
    public void TryForecast_EveryBucket_DoesNotChangePredictions()
    {
        // Leak with restarts and a daily cycle: raises, withdrawals, resets and the incident quiet time.
        Func<double, double> f = h => 30 + 2.5 * (h % 30) + 4 * Math.Sin(h / 24 * 2 * Math.PI);
        var plain = new ThresholdPredictor(new ThresholdPolicy(95));
        var forecasting = new ThresholdPredictor(new ThresholdPolicy(95));
        var a = new List<PredictionChange?>();
        var b = new List<PredictionChange?>();
        int forecasts = 0;
        foreach ((long time, double value) in Samples(f, 96, 1.0, 16))
        {
            a.Add(plain.Update(time, value));
            b.Add(forecasting.Update(time, value));
            if (forecasting.BucketClosed && forecasting.TryForecast(TimeSpan.FromHours(2), out _))
            {
                forecasts++;
            }
        }

        Assert.Contains(a, c => c is { Kind: PredictionChangeKind.Raised });
        Assert.True(forecasts > 300, $"{forecasts} forecasts");
        Assert.Equal(a, b);
    }

    [Fact]
    public void BucketClosed_SamplesEveryMinute_TrueOnlyOnTheFirstSampleOfEachBucket()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        var closedAt = new List<int>();
        for (int minute = 0; minute < 35; minute++)
        {
            p.Update(Start + minute * Minute, 50);
            if (p.BucketClosed)
            {
                closedAt.Add(minute);
            }
        }

        // An ignored (out-of-order) sample closes nothing.
        p.Update(Start, 50);
        Assert.False(p.BucketClosed);
        Assert.Equal([10, 20, 30], closedAt);
    }

    [Fact]
    public void TryForecast_BeforeMinHistory_ReturnsFalse()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Feed(p, h => 40 + h, 5, 0.5, 17);

        Assert.False(p.TryForecast(TimeSpan.FromHours(1), out Forecast fc));
        Assert.Equal(default, fc);
    }

    [Fact]
    public void TryForecast_NegativeHorizon_Throws()
    {
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Assert.Throws<ArgumentOutOfRangeException>(() => p.TryForecast(TimeSpan.FromMinutes(-1), out _));
    }

    [Fact]
    public void TryForecast_AfterRestore_MatchesTheOriginal()
    {
        var policy = new ThresholdPolicy(95);
        var original = new ThresholdPredictor(policy);
        Feed(original, h => 40 + 1.2 * h + 5 * Math.Sin(h / 24 * 2 * Math.PI), 30, 0.5, 18);
        var buffer = new ArrayBufferWriter<byte>();
        original.WriteState(buffer);
        ThresholdPredictor restored = ThresholdPredictor.Restore(buffer.WrittenSpan, policy);

        Assert.True(original.TryForecast(TimeSpan.FromHours(3), out Forecast a));
        Assert.True(restored.TryForecast(TimeSpan.FromHours(3), out Forecast b));
        Assert.Equal(a, b);
        Assert.False(restored.BucketClosed);
    }

    [Fact]
    public void TryForecast_DailyCycle_FollowsTheLearntProfile()
    {
        // ±10 daily cycle: from day 3 on, forecasts 6 h ahead must follow the cycle (a straight line through the
        // last hours would miss by several points around the turns).
        Func<double, double> f = h => 50 + 10 * Math.Sin(h / 24 * 2 * Math.PI);
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        double sumErr = 0, maxErr = 0;
        int n = 0;
        foreach ((long time, double value) in Samples(f, 120, 1.0, 30))
        {
            p.Update(time, value);
            if (p.BucketClosed && time > Start + 72 * Hour && p.TryForecast(TimeSpan.FromHours(6), out Forecast fc))
            {
                double err = Math.Abs(fc.Predicted - f((fc.AtUnixMs - Start) / (double)Hour));
                sumErr += err;
                maxErr = Math.Max(maxErr, err);
                n++;
            }
        }

        Assert.True(n > 250, $"{n} forecasts");
        Assert.True(sumErr / n < 1, $"mean absolute error {sumErr / n:0.00}");
        Assert.True(maxErr < 4, $"max error {maxErr:0.00}");
    }

    [Fact]
    public void TryForecast_CachedAndRebuiltFits_AllocateNothing()
    {
        var policy = new ThresholdPolicy(95);
        var p = new ThresholdPredictor(policy);
        Feed(p, h => 40 + 1.2 * h + 5 * Math.Sin(h / 24 * 2 * Math.PI), 30, 0.5, 19);
        var buffer = new ArrayBufferWriter<byte>();
        p.WriteState(buffer);
        ThresholdPredictor restored = ThresholdPredictor.Restore(buffer.WrittenSpan, policy);
        p.TryForecast(TimeSpan.FromHours(1), out _);

        // The restored predictor has no fit yet: its first call runs the whole trend evaluation.
        long before = GC.GetAllocatedBytesForCurrentThread();
        bool a = restored.TryForecast(TimeSpan.FromHours(1), out _);
        bool b = p.TryForecast(TimeSpan.FromHours(2), out _);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(a && b);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryForecast_PercentageLeakFarAhead_IsNotClamped()
    {
        // 80 % + 1 %/h, 10 h of history: 24 h on, the trend says ~114 %. Clamping is the caller's business.
        var p = new ThresholdPredictor(new ThresholdPolicy(95));
        Feed(p, h => 80 + h, 10, 0.3, 21);

        Assert.True(p.TryForecast(TimeSpan.FromHours(24), out Forecast fc));
        Assert.True(fc.Predicted > 105, $"predicted {fc.Predicted:0.0}");
        Assert.True(fc.Upper > fc.Predicted);
    }
}
