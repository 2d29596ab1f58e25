using Aiops.Eval.Threshold;

namespace Aiops.Analytics.Tests.Threshold;

public sealed class ThresholdDataTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aiops-threshold-" + Guid.NewGuid().ToString("N"));

    public ThresholdDataTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ReadSeries_BadRows_ReportedWithLineAndColumnAndGoodRowsKept()
    {
        File.WriteAllText(Path.Combine(_dir, "a.csv"),
            "timestamp,value\n2026-03-01T00:00:00Z,1.5\n2026-03-01T00:01:00Z,abc\nnot-a-time,2\n2026-03-01T00:02:00Z,2.5\n2026-03-01T00:01:30Z,3\n");
        var errors = new ThresholdData.ErrorLog();

        SeriesData s = ThresholdData.ReadSeries(_dir, new ManifestEntry("a.csv", "mem.used_percent", 95), errors);

        Assert.Equal([1.5, 2.5], s.Values);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors.Kept, e => e.Contains("a.csv:3:22", StringComparison.Ordinal) && e.Contains("abc", StringComparison.Ordinal));
        Assert.Contains(errors.Kept, e => e.Contains("a.csv:4:1", StringComparison.Ordinal));
        Assert.Contains(errors.Kept, e => e.Contains("a.csv:6:1", StringComparison.Ordinal));
    }

    [Fact]
    public void ReadSeries_MissingFile_ReportedAndEmpty()
    {
        var errors = new ThresholdData.ErrorLog();

        SeriesData s = ThresholdData.ReadSeries(_dir, new ManifestEntry("missing.csv", "mem.used_percent", 95), errors);

        Assert.Empty(s.Times);
        Assert.Contains(errors.Kept, e => e.Contains("missing.csv", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2026-03-01T00:05:00Z", 1772323500000L)]
    [InlineData("2026-03-01T01:05:00+01:00", 1772323500000L)]
    [InlineData("2026-03-01T00:05:00.250Z", 1772323500250L)]
    public void TryParseTime_Iso8601Forms_ParseToUtc(string text, long expected)
    {
        Assert.True(ThresholdData.TryParseTime(text, out long ms));
        Assert.Equal(expected, ms);
    }

    [Fact]
    public void ReadPredictions_WithdrawalRow_HasNoCrossing()
    {
        string path = Path.Combine(_dir, "p.csv");
        File.WriteAllText(path, ThresholdData.PredictionHeader + "\na.csv,2026-03-01T00:05:00Z,2026-03-01T05:00:00Z,2026-03-01T04:00:00Z,2026-03-01T06:00:00Z,0.9\na.csv,2026-03-01T01:05:00Z,,,,\n");
        var errors = new ThresholdData.ErrorLog();

        List<PredictionRow> rows = ThresholdData.ReadPredictions(path, errors);

        Assert.Equal(0, errors.Count);
        Assert.Equal(2, rows.Count);
        Assert.NotNull(rows[0].Crossing);
        Assert.Null(rows[1].Crossing);
        Assert.Single(ThresholdScorer.ToAlerts(rows));
    }
}
