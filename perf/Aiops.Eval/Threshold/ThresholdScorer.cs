namespace Aiops.Eval.Threshold;

/// <summary>An alert as the scorer sees it: time of the row that raised or changed it, predicted crossing and interval.</summary>
public readonly record struct ScoredAlert(long Time, long Predicted, long? Low, long? High);

/// <summary>Per-file outcome of scoring (DESIGN §9.2).</summary>
public sealed record FileScore(
    long? Crossing,
    bool Caught,
    long LeadMs,
    double RelativeEtaError,
    bool? Covered,
    int FalseAlarms);

/// <summary>
/// The §9.2 scoring rules. A file has at most one crossing: the first time the value is at or above the
/// threshold and stays there for at least 5 minutes of sample span. Everything after it is an incident,
/// so alerts at or after it are false alarms. Keeping one crossing per file is the only reading under
/// which "caught", "followed by a crossing within 24 h" and "at or after a crossing" never contradict.
/// </summary>
public static class ThresholdScorer
{
    public const long MinAboveMs = 5 * 60_000;
    public const long WindowMs = 24 * 3_600_000;
    public const long MinLeadMs = 5 * 60_000;
    public const long DedupeMs = 3_600_000;

    /// <summary>The first sustained crossing, or null. A run of samples at/above the threshold counts when its span is ≥ 5 min.</summary>
    public static long? FindCrossing(ReadOnlySpan<long> times, ReadOnlySpan<double> values, double threshold)
    {
        int runStart = -1;
        for (int i = 0; i < times.Length; i++)
        {
            if (values[i] >= threshold)
            {
                if (runStart < 0)
                {
                    runStart = i;
                }

                if (times[i] - times[runStart] >= MinAboveMs)
                {
                    return times[runStart];
                }
            }
            else
            {
                runStart = -1;
            }
        }

        return null;
    }

    /// <summary>Scores the alerts (time-ordered, withdrawals excluded) of one file against its crossing.</summary>
    public static FileScore ScoreFile(long? crossing, IReadOnlyList<ScoredAlert> alerts)
    {
        int catcher = -1;
        if (crossing is long T)
        {
            for (int i = 0; i < alerts.Count; i++)
            {
                long a = alerts[i].Time;
                if (a >= T - WindowMs && a <= T - MinLeadMs)
                {
                    catcher = i;
                    break;
                }
            }
        }

        int falseAlarms = 0;
        long lastCounted = long.MinValue;
        for (int i = 0; i < alerts.Count; i++)
        {
            if (i == catcher)
            {
                continue;
            }

            long a = alerts[i].Time;
            bool followed = crossing is long t2 && a < t2 && t2 <= a + WindowMs;
            if (followed)
            {
                continue;
            }

            if (lastCounted != long.MinValue && a - lastCounted < DedupeMs)
            {
                continue;
            }

            falseAlarms++;
            lastCounted = a;
        }

        if (catcher < 0)
        {
            return new FileScore(crossing, false, 0, double.NaN, null, falseAlarms);
        }

        ScoredAlert c = alerts[catcher];
        long T0 = crossing!.Value;
        long lead = T0 - c.Time;
        double rel = Math.Abs(c.Predicted - T0) / (double)lead;
        bool? covered = c.Low is long lo && c.High is long hi ? lo <= T0 && T0 <= hi : null;
        return new FileScore(crossing, true, lead, rel, covered, falseAlarms);
    }

    /// <summary>Turns prediction rows of one file into scored alerts (withdrawals carry no prediction and are not alerts).</summary>
    public static List<ScoredAlert> ToAlerts(IEnumerable<PredictionRow> rows)
    {
        var list = new List<ScoredAlert>();
        foreach (PredictionRow r in rows)
        {
            if (r.Crossing is long c)
            {
                list.Add(new ScoredAlert(r.AlertTime, c, r.Low, r.High));
            }
        }

        list.Sort((x, y) => x.Time.CompareTo(y.Time));
        return list;
    }
}

/// <summary>Aggregates file scores into the §9.2 report figures.</summary>
public sealed class ScoreSummary
{
    private readonly List<double> _leadMinutes = [];
    private readonly List<double> _relErrors = [];
    private int _coveredKnown;
    private int _covered;

    public int Files { get; private set; }
    public int Crossings { get; private set; }
    public int Caught { get; private set; }
    public int FalseAlarms { get; private set; }
    public double SeriesDays { get; private set; }

    public void Add(FileScore score, double spanDays)
    {
        Files++;
        SeriesDays += spanDays;
        FalseAlarms += score.FalseAlarms;
        if (score.Crossing is not null)
        {
            Crossings++;
        }

        if (score.Caught)
        {
            Caught++;
            _leadMinutes.Add(score.LeadMs / 60_000.0);
            _relErrors.Add(score.RelativeEtaError);
            if (score.Covered is bool cov)
            {
                _coveredKnown++;
                if (cov)
                {
                    _covered++;
                }
            }
        }
    }

    public double Recall => Crossings == 0 ? double.NaN : (double)Caught / Crossings;
    public double MedianLeadMinutes => Median(_leadMinutes);
    public double FalseAlarmsPer100SeriesDays => SeriesDays <= 0 ? double.NaN : FalseAlarms * 100.0 / SeriesDays;
    public double MedianRelativeEtaError => Median(_relErrors);

    /// <summary>Share of caught crossings inside [low, high]; NaN when the method gives no intervals.</summary>
    public double IntervalCoverage => _coveredKnown == 0 ? double.NaN : (double)_covered / Caught;

    public static double Median(List<double> xs)
    {
        if (xs.Count == 0)
        {
            return double.NaN;
        }

        var s = xs.ToArray();
        Array.Sort(s);
        int n = s.Length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
