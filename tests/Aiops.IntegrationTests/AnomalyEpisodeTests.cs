using Aiops.Grains;

namespace Aiops.IntegrationTests;

/// <summary>
/// When an anomaly episode starts, ends (the member's recovery for the incident manager) and recurs, from the
/// detector's verdicts and the values. One point a minute; the detector's verdict is given per point, as the grain passes it.
/// </summary>
public sealed class AnomalyEpisodeTests
{
    private const long Minute = 60_000_000_000L;
    private const int QuietPoints = 5;
    private static readonly long MaxEpisodeNs = 24 * 60 * Minute;
    private static readonly long RecurrenceNs = 60 * Minute;

    private readonly AnomalyEpisode _episode = new();
    private int _minute;

    [Fact]
    public void Update_SustainedShiftWithQuietDetector_EndsOnlyWhenTheValueIsBack()
    {
        Normal(100);
        Assert.Equal(EpisodeChange.Onset, Feed(70, anomalous: true));
        var onset = _episode.OnsetNs;

        // The detector goes quiet one point into the shift (its alert memory); the series is still 30 points up.
        Assert.All(Enumerable.Range(0, 60), _ => Assert.Equal(EpisodeChange.None, Feed(70)));
        Assert.Equal(onset, _episode.OnsetNs);

        // Back: the fifth quiet point at the old level ends the episode that started at the onset.
        Assert.All(Enumerable.Range(0, QuietPoints - 1), _ => Assert.Equal(EpisodeChange.None, Feed(40.5)));
        Assert.Equal(EpisodeChange.Ended, Feed(39.5));
        Assert.Equal(onset, _episode.EndedOnsetNs);
        Assert.Null(_episode.OnsetNs);
    }

    [Fact]
    public void Update_HalfWayBackThenUpAgain_QuietCountStartsOver()
    {
        Normal(100);
        Feed(70, anomalous: true);
        Feed(50);
        Feed(50);
        Feed(50);
        Feed(50);
        Assert.Equal(EpisodeChange.None, Feed(60)); // more than half the peak deviation (30) away: not back yet
        Assert.All(Enumerable.Range(0, QuietPoints - 1), _ => Assert.Equal(EpisodeChange.None, Feed(50)));
        Assert.Equal(EpisodeChange.Ended, Feed(50));
    }

    [Fact]
    public void Update_AnomalyOfShapeNotLevel_EndsWithinTheNoiseBandAndDoesNotRecurOnNoise()
    {
        // A detector onset at the usual level (a flat line, a burst of noise): half its peak deviation is far inside
        // the noise, so the series' usual spread decides what is back.
        Normal(100);
        Assert.Equal(EpisodeChange.Onset, Feed(40.2, anomalous: true));
        Normal(QuietPoints - 1);
        Assert.NotNull(_episode.OnsetNs);
        Assert.Equal(EpisodeChange.Ended, Feed(40.5));
        Assert.All(Enumerable.Range(0, 20), _ => Assert.Equal(EpisodeChange.None, Feed(40.5)));
    }

    [Fact]
    public void Update_Spike_EndsAfterQuietPoints()
    {
        Normal(100);
        Assert.Equal(EpisodeChange.Onset, Feed(90, anomalous: true));
        Assert.All(Enumerable.Range(0, QuietPoints - 1), _ => Assert.Equal(EpisodeChange.None, Feed(40)));
        Assert.Equal(EpisodeChange.Ended, Feed(40));
    }

    [Fact]
    public void Update_ReturnToTheEndedEpisodesLevelSoonAfter_RecurrenceFromItsFirstPoint()
    {
        Normal(100);
        Feed(70, anomalous: true, score: 0.83);
        Feed(70);
        Normal(20);
        var back = Start + _minute * Minute;
        Assert.Equal(EpisodeChange.None, Feed(69));
        Assert.Equal(EpisodeChange.None, Feed(70));
        Assert.Equal(EpisodeChange.Recurrence, Feed(71));
        Assert.Equal(back, _episode.OnsetNs);
        Assert.Equal(0.83, _episode.MaxScore);

        // The recurrence is an episode like any other: it ends when the value is back.
        Assert.All(Enumerable.Range(0, QuietPoints - 1), _ => Assert.Equal(EpisodeChange.None, Feed(40)));
        Assert.Equal(EpisodeChange.Ended, Feed(40));
        Assert.Equal(back, _episode.EndedOnsetNs);
    }

    [Fact]
    public void Update_TwoPointBlipAtTheEndedEpisodesLevel_NoRecurrence()
    {
        Normal(100);
        Feed(70, anomalous: true);
        Normal(20);
        Assert.Equal(EpisodeChange.None, Feed(70));
        Assert.Equal(EpisodeChange.None, Feed(70));
        Assert.Equal(EpisodeChange.None, Feed(40));
        Assert.Equal(EpisodeChange.None, Feed(70));
        Assert.Null(_episode.OnsetNs);
    }

    [Fact]
    public void Update_ReturnAfterTheRecurrenceWindow_NoRecurrence()
    {
        Normal(100);
        Feed(70, anomalous: true);
        Normal(QuietPoints + 61);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(EpisodeChange.None, Feed(70)));
        Assert.Null(_episode.OnsetNs);
    }

    [Fact]
    public void Update_ShiftThatNeverReturns_EndsAfterTheLongestEpisodeAsTheNewNormal()
    {
        Normal(100);
        Feed(70, anomalous: true);
        var changes = Enumerable.Range(0, 24 * 60).Select(_ => Feed(70)).ToList();
        Assert.Equal(EpisodeChange.Ended, changes[^1]);
        Assert.DoesNotContain(EpisodeChange.Ended, changes[..^1]);
        Assert.Equal(70, _episode.Baseline);

        // 70 is normal now: staying there is no recurrence, and a drop back to 40 is a matter for the detector.
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(EpisodeChange.None, Feed(70)));
        Assert.Null(_episode.OnsetNs);
    }

    [Fact]
    public void Update_AnomalousPointsDuringAnEpisode_NoSecondOnset()
    {
        Normal(100);
        Assert.Equal(EpisodeChange.Onset, Feed(70, anomalous: true));
        Assert.Equal(EpisodeChange.None, Feed(75, anomalous: true));
        Assert.Equal(EpisodeChange.None, Feed(80, anomalous: true));
        Assert.Single(Enumerable.Range(0, QuietPoints).Select(_ => Feed(40)), c => c == EpisodeChange.Ended);
    }

    private static readonly long Start = 1_800_000_000L * 1_000_000_000L;

    /// <summary>Points around 40 (±0.5), detector quiet.</summary>
    private void Normal(int points)
    {
        for (var i = 0; i < points; i++)
        {
            Feed(40 + (i % 3 - 1) * 0.5);
        }
    }

    private EpisodeChange Feed(double value, bool anomalous = false, double score = 0.9) =>
        _episode.Update(Start + _minute++ * Minute, value, anomalous ? score : 0.1, anomalous, QuietPoints, MaxEpisodeNs, RecurrenceNs);
}
