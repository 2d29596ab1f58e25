using System.Buffers;
using Aiops.Analytics.Anomaly;

namespace Aiops.Analytics.Tests.Anomaly;

public class AiopsDetectorTests
{
    private const long FiveMinutes = 300_000;
    private const long Start = 1_700_000_000_000;

    [Fact]
    public void Update_LevelShift_ScoresFarAboveTheQuietStretch()
    {
        var rng = new Random(1);
        var detector = DetectorFactory.Create();
        double quietMax = 0;
        for (int i = 0; i < 3000; i++)
        {
            double s = detector.Update(Start + (i * FiveMinutes), 100 + Gaussian(rng));
            if (i >= 1000)
            {
                quietMax = Math.Max(quietMax, s);
            }
        }

        double shiftMax = 0;
        for (int i = 3000; i < 3010; i++)
        {
            shiftMax = Math.Max(shiftMax, detector.Update(Start + (i * FiveMinutes), 106 + Gaussian(rng)));
        }

        Assert.True(shiftMax > 0.5, $"level shift max score {shiftMax:F3}");
        Assert.True(shiftMax > quietMax + 0.1, $"shift {shiftMax:F3} vs quiet {quietMax:F3}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Update_LargeLevelShiftAfterModerateAlerts_ScoresAboveTheLiveThreshold(int seed)
    {
        // The live demo's sim-003 CPU: a daily sine (amplitude 10) plus Ornstein–Uhlenbeck noise (σ ≈ 2.6) around
        // 15, one-minute samples, a few moderate alerts over 8 hours, then a sustained +45 shift (≈ 17σ). The echo
        // discount used to cap the shift at 1 − 0.3 × (memory of the moderate alerts) ≈ 0.78–0.80 here, 0.73–0.74
        // live, under the grains' threshold of 0.75.
        const long Minute = 60_000;
        const double LiveThreshold = 0.75;
        var rng = new Random(seed);
        var detector = DetectorFactory.Create();
        double phi = 0.9, innovation = 2.6 * Math.Sqrt(1 - (phi * phi)), noise = 0;
        int[] moderate = [250, 330, 400];
        int points = 8 * 60, noiseAlerts = 0, noiseScored = 0;
        double earlierMax = 0, shiftMax = 0;
        for (int i = 0; i < points + 5; i++)
        {
            noise = (phi * noise) + (innovation * Gaussian(rng));
            double value = 15 + (10 * Math.Sin(2 * Math.PI * (i + (seed * 180)) / 1440.0)) + noise;
            bool isModerate = moderate.Contains(i);
            value += (isModerate ? 12 : 0) + (i >= points ? 45 : 0);
            double score = detector.Update(Start + (i * Minute), value);
            if (i >= points)
            {
                shiftMax = Math.Max(shiftMax, score);
            }
            else if (isModerate)
            {
                earlierMax = Math.Max(earlierMax, score);
            }
            else if (i >= AiopsDetector.WarmUpPoints)
            {
                earlierMax = Math.Max(earlierMax, score);
                noiseScored++;
                noiseAlerts += score >= LiveThreshold ? 1 : 0;
            }
        }

        // The scenario only tests the discount if an earlier alert (moderate or noise) set the alert memory.
        Assert.True(earlierMax >= 0.5, $"earlier alerts max {earlierMax:F3}");
        Assert.True(shiftMax >= 0.8, $"level shift max score {shiftMax:F3}");
        Assert.True(noiseAlerts <= noiseScored / 100, $"{noiseAlerts} of {noiseScored} noise points ≥ {LiveThreshold}");
    }

    [Fact]
    public void Update_SpikeInDailyPattern_DetectedWithinTwoPoints()
    {
        var rng = new Random(2);
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 4000; i++)
        {
            detector.Update(Start + (i * FiveMinutes), Daily(i) + (0.5 * Gaussian(rng)));
        }

        double first = detector.Update(Start + (4000 * FiveMinutes), Daily(4000) + 40);
        double second = detector.Update(Start + (4001 * FiveMinutes), Daily(4001) + 40);

        Assert.True(Math.Max(first, second) > 0.5, $"spike scores {first:F3}, {second:F3}");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Update_DayWithoutItsDaytimeRise_CaughtByTheDailyView(int seed)
    {
        // Ten days of "high from 09:00 to 18:00, low otherwise", then a day that stays low: every value of that
        // day is a usual value and every step a usual step; only the time of day makes it wrong.
        var rng = new Random(seed);
        var detector = DetectorFactory.Create();
        double normalMax = 0, missingMax = 0;
        for (int i = 0; i < 12 * 288; i++)
        {
            long t = Start + (i * FiveMinutes);
            bool missingDay = i >= 10 * 288 && i < 11 * 288;
            double value = (OfficeHours(t) && !missingDay ? 80 : 20) + Gaussian(rng);
            double score = detector.Update(t, value);
            if (missingDay)
            {
                missingMax = Math.Max(missingMax, score);
            }
            else if (i >= 5 * 288)
            {
                normalMax = Math.Max(normalMax, score);
            }
        }

        // Without the daily view the missing day scores 0.00–0.59 on these seeds (below the ordinary days' maximum
        // on three of them); with it 0.87–0.88.
        Assert.True(missingMax > 0.7, $"day without its rise: max score {missingMax:F3}");
        Assert.True(missingMax > normalMax + 0.2, $"day without its rise {missingMax:F3}, ordinary days {normalMax:F3}");
    }

    [Fact]
    public void Update_NoisyDailyCycle_RarelyCrossesHalf()
    {
        // A strongly daily series turns the daily view on; its ordinary days must stay quiet.
        var rng = new Random(12);
        var detector = DetectorFactory.Create();
        int high = 0, scored = 0;
        for (int i = 0; i < 30 * 288; i++)
        {
            double s = detector.Update(Start + (i * FiveMinutes), Daily(i) + (3 * Gaussian(rng)));
            if (i >= 2 * 288)
            {
                scored++;
                high += s > 0.5 ? 1 : 0;
            }
        }

        Assert.True(high * 400 < scored, $"{high} of {scored} points above 0.5");
    }

    [Fact]
    public void Update_SeriesThatAlertsOften_ScoresTheSameSpikeLower()
    {
        // Same noise, same final spike; one series has had a burst every 250 points (it "alerts often"), so its
        // alarm budget and histograms both say a spike is routine there.
        double Run(bool bursty)
        {
            var rng = new Random(7);
            var detector = DetectorFactory.Create();
            for (int i = 0; i < 4000; i++)
            {
                double burst = bursty && i > 200 && i % 250 == 0 ? 15 : 0;
                detector.Update(Start + (i * FiveMinutes), 100 + Gaussian(rng) + burst);
            }

            double a = detector.Update(Start + (4000 * FiveMinutes), 112);
            return Math.Max(a, detector.Update(Start + (4001 * FiveMinutes), 112));
        }

        double quiet = Run(bursty: false), bursty = Run(bursty: true);
        Assert.True(quiet > 0.5, $"quiet series spike {quiet:F3}");
        Assert.True(bursty < quiet - 0.1, $"bursty {bursty:F3} vs quiet {quiet:F3}");
    }

    [Fact]
    public void Update_EarlySpikeAfterWarmUp_CaughtBecauseFirstScoredPointsAreQuiet()
    {
        // The warm-up is replayed through the histograms, so the first scored points of the same noise are not
        // "surprising" (one used to score 0.954 against nearly empty histograms and set an alert memory that hid a real
        // spike a couple of hundred points later). Later points of the first few hundred can still cross 0.5
        // now and then while the re-calibration histogram is young (the long noise test bounds the rate).
        var rng = new Random(8);
        var detector = DetectorFactory.Create();
        double firstFive = 0;
        for (int i = 0; i < AiopsDetector.WarmUpPoints + 200; i++)
        {
            double s = detector.Update(Start + (i * FiveMinutes), 100 + Gaussian(rng));
            if (i >= AiopsDetector.WarmUpPoints && i < AiopsDetector.WarmUpPoints + 5)
            {
                firstFive = Math.Max(firstFive, s);
            }
        }

        double spike = detector.Update(Start + ((AiopsDetector.WarmUpPoints + 200) * FiveMinutes), 106);

        Assert.True(firstFive < 0.5, $"first five scored points of plain noise reach {firstFive:F3}");
        Assert.True(spike > 0.5, $"spike 200 points after warm-up scores {spike:F3}");
    }

    [Fact]
    public void Update_GaussianNoise_MostlyQuiet()
    {
        var rng = new Random(3);
        var detector = DetectorFactory.Create();
        int loud = 0;
        const int points = 20_000;
        for (int i = 0; i < points; i++)
        {
            if (detector.Update(Start + (i * FiveMinutes), 10 + Gaussian(rng)) >= 0.5)
            {
                loud++;
            }
        }

        // The corpus-optimised NAB threshold sits near 0.54; plain noise should cross 0.5 at most once in 400
        // points (the self re-calibration always finds a "most surprising so far" point, the alert memory then
        // keeps its echoes quiet).
        Assert.True(loud < points / 400, $"{loud} of {points} points scored ≥ 0.5 on pure noise");
    }

    [Fact]
    public void Update_CountSeriesWithDailyCycle_NightBurstToDaytimeLevelCaught()
    {
        // Counts whose rate swings from 2 (night) to 40 (day). Their noise grows with the level (√rate), so on
        // the raw scale a night-time jump to 20 is smaller than an ordinary afternoon's wiggles (scored 0.30
        // before count series were judged on the square-root scale); there it is a large move.
        var rng = new Random(9);
        var detector = DetectorFactory.Create();
        int loud = 0;
        const int points = 20_000;
        int night = points - (points % 288) + 288;
        for (int i = 0; i < night; i++)
        {
            double rate = 21 - (19 * Math.Cos(2 * Math.PI * i / 288.0));
            if (detector.Update(Start + (i * FiveMinutes), Poisson(rng, rate)) >= 0.5 && i >= 1000)
            {
                loud++;
            }
        }

        double burst = detector.Update(Start + (night * FiveMinutes), 20);

        Assert.True(burst > 0.5, $"night-time burst to 20 scores {burst:F3}");
        Assert.True(loud < night / 400, $"{loud} of {night} Poisson points scored ≥ 0.5");
    }

    [Theory]
    [InlineData(42.0)] // an integer: judged as a count, on the square-root scale
    [InlineData(42.1)] // not exactly representable as a float: the parked warm-up must still match it exactly
    public void Update_FlatSeries_ScoresZero(double level)
    {
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(0.0, detector.Update(Start + (i * FiveMinutes), level));
        }
    }

    [Fact]
    public void Update_HeavyTailedAndNonFiniteInput_ScoresStayInUnitInterval()
    {
        var rng = new Random(4);
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 5000; i++)
        {
            double v = i % 997 == 0 ? double.NaN : Math.Exp(5 * Gaussian(rng)) * (i % 3 == 0 ? -1 : 1);
            double s = detector.Update(Start + (i * FiveMinutes), v);
            Assert.InRange(s, 0.0, 1.0);
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(149)]
    [InlineData(150)]
    [InlineData(2500)]
    public void WriteState_RestoreMidStream_IdenticalSubsequentScores(int split)
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, split + 2000).Select(i => Daily(i) + (3 * Gaussian(rng)) + (i > split + 700 ? 30 : 0)).ToArray();
        AssertRestoredAtSplitScoresIdentically(values, split);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(150)]
    [InlineData(1000)]
    public void WriteState_RestoreCountSeriesMidStream_IdenticalSubsequentScores(int split)
    {
        var rng = new Random(10);
        var values = Enumerable.Range(0, split + 2000).Select(i => (double)Poisson(rng, i > split + 700 ? 30 : 8)).ToArray();
        AssertRestoredAtSplitScoresIdentically(values, split);
    }

    /// <summary>The snapshot of a detector fed <paramref name="points"/> points of the clean daily pattern, to corrupt.</summary>
    private static byte[] SnapshotAfterDailyPoints(int points)
    {
        var detector = DetectorFactory.Create();
        for (int i = 0; i < points; i++)
        {
            detector.Update(Start + (i * FiveMinutes), Daily(i));
        }

        var buffer = new ArrayBufferWriter<byte>();
        detector.WriteState(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Feeds <paramref name="values"/> up to <paramref name="split"/>, snapshots, restores, and checks that the
    /// original and the restored detector score every later value identically.</summary>
    private static void AssertRestoredAtSplitScoresIdentically(double[] values, int split)
    {
        var original = DetectorFactory.Create();
        for (int i = 0; i < split; i++)
        {
            original.Update(Start + (i * FiveMinutes), values[i]);
        }

        var buffer = new ArrayBufferWriter<byte>();
        original.WriteState(buffer);
        var restored = DetectorFactory.Restore(DetectorFactory.DefaultName, buffer.WrittenSpan);

        for (int i = split; i < values.Length; i++)
        {
            long t = Start + (i * FiveMinutes);
            Assert.Equal(original.Update(t, values[i]), restored.Update(t, values[i]));
        }
    }

    [Fact]
    public void Restore_UnknownFlags_ThrowsFormatException()
    {
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 500; i++)
        {
            detector.Update(Start + (i * FiveMinutes), i % 7);
        }

        var buffer = new ArrayBufferWriter<byte>();
        detector.WriteState(buffer);
        byte[] corrupt = buffer.WrittenSpan.ToArray();
        corrupt[1] = 7;

        Assert.Throws<FormatException>(() => DetectorFactory.Restore("aiops", corrupt));
    }

    [Fact]
    public void WriteState_AfterLongRun_AtMostOneKibibyte()
    {
        var rng = new Random(6);
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 50_000; i++)
        {
            detector.Update(Start + (i * FiveMinutes), Daily(i) + Gaussian(rng));
        }

        var buffer = new ArrayBufferWriter<byte>();
        detector.WriteState(buffer);

        Assert.Equal(AiopsDetector.SnapshotBytes, buffer.WrittenCount);
        Assert.True(buffer.WrittenCount <= 1024, $"snapshot is {buffer.WrittenCount} bytes");
    }

    [Fact]
    public void Restore_InfiniteHourOfDayProfile_ThrowsFormatException()
    {
        byte[] corrupt = SnapshotAfterDailyPoints(500);
        // The profile's 24 halves precede the last four floats; overwrite the first with +∞ (0x7C00).
        int profile = corrupt.Length - 16 - 48;
        corrupt[profile] = 0x00;
        corrupt[profile + 1] = 0x7C;

        var ex = Assert.Throws<FormatException>(() => DetectorFactory.Restore("aiops", corrupt));
        Assert.Contains("profile", ex.Message);
    }

    [Fact]
    public void Restore_NaNAlertMemorySurprise_ThrowsFormatException()
    {
        byte[] corrupt = SnapshotAfterDailyPoints(500);
        // The last float is the surprise of the alert that set the alert memory; a NaN there would switch the
        // echo discount's margin test off silently.
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(corrupt.AsSpan(corrupt.Length - 4), float.NaN);

        var ex = Assert.Throws<FormatException>(() => DetectorFactory.Restore("aiops", corrupt));
        Assert.Contains("alert-memory", ex.Message);
    }

    [Fact]
    public void Restore_TruncatedSnapshot_ThrowsFormatException()
    {
        var detector = DetectorFactory.Create();
        for (int i = 0; i < 500; i++)
        {
            detector.Update(Start + (i * FiveMinutes), i % 7);
        }

        var buffer = new ArrayBufferWriter<byte>();
        detector.WriteState(buffer);

        Assert.Throws<FormatException>(() => DetectorFactory.Restore("aiops", buffer.WrittenSpan[..^10]));
        Assert.Throws<FormatException>(() => DetectorFactory.Restore("aiops", ReadOnlySpan<byte>.Empty));
    }

    private static bool OfficeHours(long timestampUnixMs)
    {
        long hour = timestampUnixMs / 3_600_000 % 24;
        return hour >= 9 && hour < 18;
    }

    private static double Daily(int i) => 50 + (20 * Math.Sin(2 * Math.PI * i / 288.0));

    // Knuth's method: fine for the small rates used here (e^-rate stays far above the double's range limit).
    private static int Poisson(Random rng, double rate)
    {
        double limit = Math.Exp(-rate), product = rng.NextDouble();
        int k = 0;
        while (product > limit)
        {
            k++;
            product *= rng.NextDouble();
        }

        return k;
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - rng.NextDouble())) * Math.Cos(2.0 * Math.PI * rng.NextDouble());
}
