using Aiops.Eval.Threshold;

namespace Aiops.Analytics.Tests.Threshold;

public class ThresholdScorerTests
{
    private const long Min = 60_000;
    private const long Hour = 60 * Min;

    private static (long[] T, double[] V) Series(params (long Minute, double Value)[] points) =>
        (points.Select(p => p.Minute * Min).ToArray(), points.Select(p => p.Value).ToArray());

    [Fact]
    public void FindCrossing_AboveForFourMinutes_IsNotACrossing()
    {
        (long[] t, double[] v) = Series((0, 90), (1, 96), (2, 97), (3, 96), (4, 96), (5, 96), (6, 80), (7, 80));
        Assert.Null(ThresholdScorer.FindCrossing(t, v, 95));
    }

    [Fact]
    public void FindCrossing_AboveForFiveMinutesOfSampleSpan_ReturnsFirstSampleOfTheRun()
    {
        (long[] t, double[] v) = Series((0, 90), (1, 95), (3, 96), (6, 97), (7, 80));
        Assert.Equal(1 * Min, ThresholdScorer.FindCrossing(t, v, 95));
    }

    [Fact]
    public void FindCrossing_DipBelowRestartsTheRun()
    {
        (long[] t, double[] v) = Series((0, 96), (3, 96), (4, 94), (5, 96), (8, 96), (10, 96), (20, 96));
        Assert.Equal(5 * Min, ThresholdScorer.FindCrossing(t, v, 95));
    }

    [Fact]
    public void ScoreFile_FirstAlertInWindow_CaughtWithLeadErrorAndCoverage()
    {
        long T = 30 * Hour;
        var alerts = new List<ScoredAlert>
        {
            new(T - 10 * Hour, T - 1 * Hour, T - 3 * Hour, T + Hour),
            new(T - 5 * Hour, T, T, T),
        };

        FileScore s = ThresholdScorer.ScoreFile(T, alerts);

        Assert.True(s.Caught);
        Assert.Equal(10 * Hour, s.LeadMs);
        Assert.Equal(0.1, s.RelativeEtaError, 6);
        Assert.True(s.Covered);
        Assert.Equal(0, s.FalseAlarms);
    }

    [Fact]
    public void ScoreFile_AlertLessThanFiveMinutesBefore_NotCaughtButNotFalseAlarm()
    {
        long T = 30 * Hour;
        FileScore s = ThresholdScorer.ScoreFile(T, [new(T - 4 * Min, T, null, null)]);

        Assert.False(s.Caught);
        Assert.Equal(0, s.FalseAlarms);
    }

    [Fact]
    public void ScoreFile_AlertMoreThanADayBefore_IsMissAndFalseAlarm()
    {
        long T = 50 * Hour;
        FileScore s = ThresholdScorer.ScoreFile(T, [new(T - 25 * Hour, T, null, null)]);

        Assert.False(s.Caught);
        Assert.Equal(1, s.FalseAlarms);
    }

    [Fact]
    public void ScoreFile_AlertsAtOrAfterCrossing_AreFalseAlarms()
    {
        long T = 50 * Hour;
        FileScore s = ThresholdScorer.ScoreFile(T, [new(T - 2 * Hour, T, null, null), new(T, T + Hour, null, null), new(T + 3 * Hour, T + 4 * Hour, null, null)]);

        Assert.True(s.Caught);
        Assert.Equal(2, s.FalseAlarms);
    }

    [Fact]
    public void ScoreFile_FalseAlarmsWithinAnHourOfTheLastCounted_CountOnce()
    {
        // No crossing: alerts at 0, 30, 59 and 61 min count at 0 and 61 (61 min after the last counted one).
        var alerts = new List<ScoredAlert> { new(0, Hour, null, null), new(30 * Min, Hour, null, null), new(59 * Min, Hour, null, null), new(61 * Min, 2 * Hour, null, null) };

        FileScore s = ThresholdScorer.ScoreFile(null, alerts);

        Assert.Equal(2, s.FalseAlarms);
    }

    [Fact]
    public void ScoreSummary_FalseAlarmRate_IsPerHundredSeriesDays()
    {
        var summary = new ScoreSummary();
        summary.Add(ThresholdScorer.ScoreFile(null, [new(0, Hour, null, null)]), 2.0);
        summary.Add(ThresholdScorer.ScoreFile(null, []), 3.0);

        Assert.Equal(5.0, summary.SeriesDays);
        Assert.Equal(20.0, summary.FalseAlarmsPer100SeriesDays, 6);
        Assert.True(double.IsNaN(summary.Recall));
    }

    [Fact]
    public void SeriesData_SpanDays_IsFirstToLastSpan()
    {
        var s = new SeriesData(new ManifestEntry("a.csv", "mem.used_percent", 95), [0, 36 * Hour], [1, 2]);
        Assert.Equal(1.5, s.SpanDays, 6);
    }

    [Fact]
    public void PredictLinear_Ramp_AlertsFromSixHoursWithinFourHoursOfCrossingAtMostHourly()
    {
        // 1-minute samples of 50 + 4 %/h: crosses 95 at 11.25 h.
        long[] t = Enumerable.Range(0, 12 * 60).Select(i => i * Min).ToArray();
        double[] v = t.Select(x => 50 + 4.0 * x / Hour).ToArray();

        List<ScoredAlert> alerts = Baselines.PredictLinear(t, v, 95, levelGate: false);

        Assert.NotEmpty(alerts);
        Assert.Equal((long)(7.25 * Hour), alerts[0].Time, Min);
        Assert.Equal((long)(11.25 * Hour), alerts[0].Predicted, Min);
        for (int i = 1; i < alerts.Count; i++)
        {
            Assert.True(alerts[i].Time - alerts[i - 1].Time >= Hour);
        }
    }

    [Fact]
    public void PredictLinear_LevelGate_SilentWhileMoreThan15BelowThreshold()
    {
        // 60 + 2 %/h until 7 h (below 95 − 15 throughout), then 10 %/h: the gated baseline only alerts above 80.
        long[] t = Enumerable.Range(0, 10 * 60).Select(i => i * Min).ToArray();
        double[] v = t.Select(x => x < 7 * Hour ? 60 + 2.0 * x / Hour : 74 + 10.0 * (x - 7 * Hour) / Hour).ToArray();

        List<ScoredAlert> plain = Baselines.PredictLinear(t, v, 95, levelGate: false);
        List<ScoredAlert> gated = Baselines.PredictLinear(t, v, 95, levelGate: true);

        Assert.All(gated, a => Assert.True(v[(int)(a.Time / Min)] > 80));
        Assert.True(gated.Count <= plain.Count);
    }
}
