using System.Buffers;
using Aiops.Analytics.Multivariate;

namespace Aiops.Analytics.Tests.Multivariate;

public class HostModelTests
{
    private const long Minute = 60_000;
    private const long Start = 1_700_000_000_000;

    // Two correlated series (requests and CPU follow the same daily load) and one independent noise series.
    private static (double Requests, double Cpu, double Disk) Normal(int minute, Random rng)
    {
        double load = 100 + (60 * Math.Sin(2 * Math.PI * minute / 1440.0));
        return (load + (3 * Gaussian(rng)), (0.4 * load) + 5 + (1.2 * Gaussian(rng)), 70 + (2 * Gaussian(rng)));
    }

    private static List<HostScore> Feed(HostModel model, int from, int to, Random rng, Func<int, (double, double, double)>? overrideAt = null)
    {
        var scores = new List<HostScore>();
        var batch = new List<HostSample>();
        for (int m = from; m < to; m++)
        {
            var (r, c, d) = overrideAt?.Invoke(m) ?? Normal(m, rng);
            long t = Start + (m * Minute);
            batch.Add(new HostSample(t + 1_000, "requests", r));
            batch.Add(new HostSample(t + 2_000, "cpu", c));
            batch.Add(new HostSample(t + 3_000, "disk", d));
        }

        model.Update(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch), scores);
        return scores;
    }

    [Fact]
    public void Update_CorrelationBreaksWithinNormalRanges_IsFlagged()
    {
        var rng = new Random(11);
        var model = new HostModel();
        Feed(model, 0, 1440, rng);
        Assert.True(model.IsTrained);

        // CPU at its usual daytime level while requests are at their night level: each value is in its normal
        // range, only the relation is broken.
        var broken = Feed(model, 1440, 1460, rng, m =>
        {
            var (_, _, d) = Normal(m, rng);
            double nightRequests = 45 + (3 * Gaussian(rng));
            return (nightRequests, (0.4 * 150) + 5 + (1.2 * Gaussian(rng)), d);
        });

        Assert.True(broken.Count >= 18, $"{broken.Count} scores");
        int flagged = broken.Count(s => s.Score > 0.5);
        Assert.True(flagged >= broken.Count * 0.9, $"flagged {flagged} of {broken.Count}");
        Assert.Contains(broken, s => s.TopSeries is "requests" or "cpu");
    }

    [Fact]
    public void Update_NormalData_IsQuiet()
    {
        var rng = new Random(12);
        var model = new HostModel();
        Feed(model, 0, 1440, rng);
        var scores = Feed(model, 1440, 2880, rng);

        Assert.True(scores.Count > 1400, $"{scores.Count} scores");
        int loud = scores.Count(s => s.Score > 0.5);
        Assert.True(loud < scores.Count / 200, $"{loud} of {scores.Count} normal buckets scored > 0.5");
        Assert.All(scores, s => Assert.InRange(s.Score, 0.0, 1.0));
    }

    [Fact]
    public void Update_BeforeEnoughBuckets_ReturnsNoScore()
    {
        var rng = new Random(13);
        var model = new HostModel();
        var scores = Feed(model, 0, 200, rng);
        Assert.Empty(scores);
        Assert.False(model.IsTrained);
    }

    [Fact]
    public void Update_NewSeriesAfterTraining_PausesThenRetrainsWithIt()
    {
        var rng = new Random(16);
        var model = new HostModel();
        int scored = 0;
        for (int m = 0; m < 600; m++)
        {
            long t = Start + (m * Minute);
            scored += model.Update(t, "a", 10 + Gaussian(rng)).HasValue ? 1 : 0;
            model.Update(t + 1, "b", 20 + Gaussian(rng));
        }

        Assert.True(model.IsTrained);
        Assert.True(scored > 300, $"{scored} scores with two series");

        int during = 0, after = 0;
        for (int m = 600; m < 1200; m++)
        {
            long t = Start + (m * Minute);
            bool s = model.Update(t, "a", 10 + Gaussian(rng)).HasValue;
            model.Update(t + 1, "b", 20 + Gaussian(rng));
            model.Update(t + 2, "c", 30 + Gaussian(rng));
            if (m > 600 && m < 600 + 230) // the sample at 600 closes bucket 599, still two series
            {
                during += s ? 1 : 0;
            }
            else if (m > 600 + 250)
            {
                after += s ? 1 : 0;
            }
        }

        Assert.Equal(3, model.Series.Count);
        Assert.Equal(0, during);
        Assert.True(after > 300, $"{after} scores after retraining with three series");
    }

    [Fact]
    public void Update_LateSample_IsIgnoredAndCounted()
    {
        var model = new HostModel();
        model.Update(Start + (10 * Minute), "a", 1);
        model.Update(Start + (11 * Minute), "a", 1);
        model.Update(Start + (5 * Minute), "a", 100);
        Assert.Equal(1, model.LateSamples);
    }

    [Fact]
    public void Restore_Snapshot_GivesIdenticalScores()
    {
        var rng = new Random(14);
        var model = new HostModel();
        Feed(model, 0, 1500, rng);
        var buffer = new ArrayBufferWriter<byte>();
        model.WriteState(buffer);
        var restored = HostModel.Restore(buffer.WrittenSpan);
        Assert.True(restored.IsTrained);
        Assert.Equal(model.Series, restored.Series);

        var a = Feed(model, 1500, 1560, new Random(99));
        var b = Feed(restored, 1500, 1560, new Random(99));
        Assert.Equal(a, b);
        Assert.True(buffer.WrittenCount < 1024, $"snapshot {buffer.WrittenCount} bytes");
    }

    [Fact]
    public void Restore_CorruptSnapshot_Throws()
    {
        var rng = new Random(15);
        var model = new HostModel();
        Feed(model, 0, 300, rng);
        var buffer = new ArrayBufferWriter<byte>();
        model.WriteState(buffer);
        var bytes = buffer.WrittenSpan.ToArray();

        Assert.Throws<FormatException>(() => HostModel.Restore(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Throws<FormatException>(() => HostModel.Restore([.. bytes, 0]));
        bytes[0] = 99;
        Assert.Throws<FormatException>(() => HostModel.Restore(bytes));
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
