namespace Aiops.Grains;

/// <summary>What one point did to a series' anomaly episode.</summary>
public enum EpisodeChange
{
    /// <summary>Nothing to report.</summary>
    None = 0,

    /// <summary>An episode started at <see cref="AnomalyEpisode.OnsetNs"/> (a detector onset).</summary>
    Onset = 1,

    /// <summary>
    /// An episode started because the series went back to the level of an episode that ended shortly before
    /// (<see cref="AnomalyEpisode.OnsetNs"/> is the first point of that return), while the detector stayed quiet.
    /// </summary>
    Recurrence = 2,

    /// <summary>The episode that started at <see cref="AnomalyEpisode.EndedOnsetNs"/> ended: the series is back.</summary>
    Ended = 3,
}

/// <summary>
/// The anomaly episode of one series, from the detector's per-point verdicts and the values: when an episode starts,
/// when the series has recovered (which the incident manager reads as the member's recovery), and when the same
/// problem comes back.
/// </summary>
/// <remarks>
/// <para>
/// The detector alone cannot say when a problem is over: its alert memory (one burst of high scores per incident)
/// makes it quiet a few points into a sustained level shift, while the series is still far from normal. Ending the
/// episode on quiet scores alone resolved incidents while their hosts were still degraded. So an episode ends only
/// when the score has stayed below the threshold for <c>quietPoints</c> consecutive points <em>and</em> each of those
/// points is back within half the episode's peak deviation from the level before the onset (an exponential mean of
/// the values outside episodes, α = <see cref="BaselineAlpha"/>), or within <see cref="NoiseBand"/> times the series'
/// usual spread of that level, whichever is wider (an anomaly of shape rather than level, such as a flat line or a
/// burst of noise, barely moves the value, and half of nothing would never be reached). A spike ends as before (the
/// next points are back); a level shift ends when the level returns. A level that never returns is accepted as the new normal after
/// <c>maxEpisodeNs</c> of event time, so a permanent change does not hold an incident (and the series' onsets) forever.
/// </para>
/// <para>
/// For the same reason the detector does not alert when the problem returns soon after recovery (its alert memory
/// fades over hundreds of points). Within <c>recurrenceNs</c> of an episode's end, <see cref="RecurrencePoints"/>
/// consecutive points at least half the ended episode's peak deviation away from its baseline, in the same direction,
/// are a recurrence: a new episode, which the incident manager re-opens the incident with (flap window). Only an
/// episode whose half peak deviation stood out of the noise band can recur this way.
/// </para>
/// </remarks>
public sealed class AnomalyEpisode
{
    /// <summary>Weight of a new value in the baseline (0.05: a memory of about 20 points).</summary>
    public const double BaselineAlpha = 0.05;

    /// <summary>Share of the peak deviation within which a point counts as back to normal (0.5).</summary>
    public const double BackShare = 0.5;

    /// <summary>Multiple of the usual spread within which a point counts as back whatever the peak deviation (3).</summary>
    public const double NoiseBand = 3.0;

    /// <summary>Consecutive points back at an ended episode's level that make a recurrence (3: not a single spike).</summary>
    public const int RecurrencePoints = 3;

    /// <summary>Onset (ns) of the running episode, or null.</summary>
    public long? OnsetNs { get; private set; }

    /// <summary>Onset of the episode that the last <see cref="EpisodeChange.Ended"/> closed.</summary>
    public long EndedOnsetNs { get; private set; }

    /// <summary>Highest score of the running episode (or, after it ended, of the last one).</summary>
    public double MaxScore { get; private set; }

    /// <summary>Exponential mean of the values outside episodes; NaN before the first such value.</summary>
    public double Baseline { get; private set; } = double.NaN;

    /// <summary>Exponential mean of the absolute deviation of the values outside episodes from <see cref="Baseline"/>.</summary>
    public double Spread { get; private set; }

    private int _quietPoints;
    private double _episodeBaseline;
    private double _peakDeviation;
    private long? _lastEndNs;
    private int _recurrenceRun;
    private long _recurrenceStartNs;

    /// <summary>
    /// Feeds one point (in time order). <paramref name="anomalous"/>: the detector's score is at or above the
    /// threshold (and past probation). Returns what changed; <see cref="OnsetNs"/> / <see cref="EndedOnsetNs"/> say which episode.
    /// </summary>
    public EpisodeChange Update(long timeNs, double value, double score, bool anomalous, int quietPoints, long maxEpisodeNs, long recurrenceNs)
    {
        if (anomalous)
        {
            _quietPoints = 0;
            _recurrenceRun = 0;
            if (OnsetNs is null)
            {
                Start(timeNs, value, score);
                return EpisodeChange.Onset;
            }

            Track(value, score);
            return EpisodeChange.None;
        }

        if (OnsetNs is { } onset)
        {
            Track(value, score);
            var back = Math.Abs(value - _episodeBaseline) <= Band;
            _quietPoints = back ? _quietPoints + 1 : 0;
            if (_quietPoints >= quietPoints || timeNs - onset >= maxEpisodeNs)
            {
                EndedOnsetNs = onset;
                OnsetNs = null;
                _quietPoints = 0;
                _lastEndNs = timeNs;
                if (!back)
                {
                    // The new normal: the baseline starts from here, and there is no earlier level to come back to.
                    Baseline = value;
                    _lastEndNs = null;
                }

                return EpisodeChange.Ended;
            }

            return EpisodeChange.None;
        }

        if (_lastEndNs is { } ended && timeNs - ended <= recurrenceNs && BackShare * Math.Abs(_peakDeviation) > NoiseBand * Spread
            && (value - _episodeBaseline) * Math.Sign(_peakDeviation) >= BackShare * Math.Abs(_peakDeviation))
        {
            if (_recurrenceRun++ == 0)
            {
                _recurrenceStartNs = timeNs;
            }

            if (_recurrenceRun >= RecurrencePoints)
            {
                // The previous episode's baseline is the level to come back to; its peak is where the problem was.
                var baseline = _episodeBaseline;
                var previousMax = MaxScore;
                _recurrenceRun = 0;
                _lastEndNs = null;
                Start(_recurrenceStartNs, value, previousMax);
                _episodeBaseline = baseline;
                _peakDeviation = value - baseline;
                return EpisodeChange.Recurrence;
            }

            // A point of a possible recurrence is not normal: it stays out of the baseline.
            return EpisodeChange.None;
        }

        _recurrenceRun = 0;
        if (double.IsNaN(Baseline))
        {
            Baseline = value;
        }
        else
        {
            Spread += BaselineAlpha * (Math.Abs(value - Baseline) - Spread);
            Baseline += BaselineAlpha * (value - Baseline);
        }

        return EpisodeChange.None;
    }

    /// <summary>How far from the episode's baseline a point may be and count as back.</summary>
    private double Band => Math.Max(BackShare * Math.Abs(_peakDeviation), NoiseBand * Spread);

    private void Start(long onsetNs, double value, double score)
    {
        OnsetNs = onsetNs;
        MaxScore = score;
        _quietPoints = 0;
        _episodeBaseline = double.IsNaN(Baseline) ? value : Baseline;
        _peakDeviation = value - _episodeBaseline;
    }

    private void Track(double value, double score)
    {
        MaxScore = Math.Max(MaxScore, score);
        var deviation = value - _episodeBaseline;
        if (Math.Abs(deviation) > Math.Abs(_peakDeviation))
        {
            _peakDeviation = deviation;
        }
    }

    /// <summary>The persisted form (see <see cref="SeriesSnapshot"/>).</summary>
    internal EpisodeSnapshot ToSnapshot() => new()
    {
        OnsetNs = OnsetNs,
        MaxScore = MaxScore,
        Baseline = Baseline,
        Spread = Spread,
        QuietPoints = _quietPoints,
        EpisodeBaseline = _episodeBaseline,
        PeakDeviation = _peakDeviation,
        LastEndNs = _lastEndNs,
    };

    internal static AnomalyEpisode FromSnapshot(EpisodeSnapshot? s) => s is null ? new() : new()
    {
        OnsetNs = s.OnsetNs,
        MaxScore = s.MaxScore,
        Baseline = s.Baseline,
        Spread = s.Spread,
        _quietPoints = s.QuietPoints,
        _episodeBaseline = s.EpisodeBaseline,
        _peakDeviation = s.PeakDeviation,
        _lastEndNs = s.LastEndNs,
    };
}

/// <summary>Persisted form of an <see cref="AnomalyEpisode"/> (a running recurrence run is not kept: it restarts).</summary>
[GenerateSerializer, Alias("aiops.EpisodeSnapshot")]
public sealed class EpisodeSnapshot
{
    [Id(0)] public long? OnsetNs { get; set; }

    [Id(1)] public double MaxScore { get; set; }

    [Id(2)] public double Baseline { get; set; } = double.NaN;

    [Id(3)] public int QuietPoints { get; set; }

    [Id(4)] public double EpisodeBaseline { get; set; }

    [Id(5)] public double PeakDeviation { get; set; }

    [Id(6)] public long? LastEndNs { get; set; }

    [Id(7)] public double Spread { get; set; }
}
