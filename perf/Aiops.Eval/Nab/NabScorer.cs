namespace Aiops.Eval.Nab;

/// <summary>One detector's output for one NAB file: row timestamps and anomaly scores, in file order.</summary>
/// <param name="File">Label key, <c>&lt;category&gt;/&lt;file&gt;.csv</c>.</param>
public sealed record NabFileScores(string File, DateTime[] Timestamps, double[] Scores);

/// <summary>The result of scoring one detector on one profile.</summary>
/// <param name="Threshold">The corpus-wide threshold that maximised the raw score (a row detects when score ≥ it).</param>
/// <param name="RawScore">Sum of the file scores at that threshold.</param>
/// <param name="NullScore">Raw score of the null detector (never fires) on the same files.</param>
/// <param name="PerfectScore">A_TP times the number of windows.</param>
public sealed record NabProfileScore(NabProfile Profile, double Threshold, double RawScore, double NullScore,
    double PerfectScore, int TruePositiveRows, int FalsePositiveRows)
{
    /// <summary>100·(S − S_null)/(S_perfect − S_null).</summary>
    public double Normalized => 100.0 * (RawScore - NullScore) / (PerfectScore - NullScore);
}

/// <summary>
/// C# port of NAB's sweeper/optimiser (nab/sweeper.py): per-row weights from the scaled sigmoid, the
/// probationary period, one threshold per profile chosen over the whole corpus by sweeping every distinct
/// score from the highest down, and normalisation between the null and the perfect detector.
/// </summary>
public static class NabScorer
{
    /// <summary>Share of each file that is not scored (NAB default 0.15), capped at 0.15·5000 = 750 rows.</summary>
    public const double ProbationPercent = 0.15;

    private const int ProbationCapBase = 5000;

    /// <summary>NAB's scaled sigmoid: 2/(1+e^{5y}) − 1, and −1 from y ≥ 3 on.</summary>
    public static double ScaledSigmoid(double y) => y >= 3.0 ? -1.0 : (2.0 / (1.0 + Math.Exp(5.0 * y))) - 1.0;

    /// <summary>Rows not scored at the start of a file with <paramref name="rows"/> rows.</summary>
    public static int ProbationaryLength(int rows) =>
        (int)Math.Min(Math.Floor(ProbationPercent * rows), ProbationPercent * ProbationCapBase);

    /// <summary>Scores every profile; the files must all be labelled.</summary>
    public static IReadOnlyList<NabProfileScore> ScoreAll(IReadOnlyList<NabFileScores> files, NabLabels labels) =>
        [.. NabProfile.All.Select(p => Score(files, labels, p))];

    /// <summary>Optimises the threshold over the corpus and returns the normalised score for one profile.</summary>
    /// <exception cref="InvalidDataException">A file has no labels, or a window limit is not one of its row timestamps.</exception>
    public static NabProfileScore Score(IReadOnlyList<NabFileScores> files, NabLabels labels, NabProfile profile)
    {
        var points = new List<Point>();
        int windowCount = 0;
        foreach (var file in files)
        {
            if (!labels.TryGetWindows(file.File, out var windows))
            {
                throw new InvalidDataException($"no labels for '{file.File}'");
            }

            AddSweepPoints(file, windows, profile, windowCount, points);
            windowCount += windows.Length;
        }

        var best = Sweep(points, windowCount, profile, out double nullScore);
        double perfect = profile.TpWeight * windowCount;
        return new NabProfileScore(profile, best.Threshold, best.Score, nullScore, perfect, best.Tp, best.Fp);
    }

    private readonly record struct Point(double Score, double Weight, int Window);

    private readonly record struct Best(double Threshold, double Score, int Tp, int Fp);

    /// <summary>Mirrors <c>Sweeper.calcSweepScore</c>: weight of every row as if it were detected.</summary>
    private static void AddSweepPoints(NabFileScores file, (DateTime Start, DateTime End)[] windows,
        NabProfile profile, int windowIdBase, List<Point> points)
    {
        var ts = file.Timestamps;
        int n = ts.Length;
        int probation = ProbationaryLength(n);
        double maxTp = ScaledSigmoid(-1.0);
        int nextWindow = 0;
        int curWindow = -1;
        int curRight = -1;
        double curWidth = 0;
        int prevRight = -1;
        double prevWidth = 0;

        for (int i = 0; i < n; i++)
        {
            if (nextWindow < windows.Length && ts[i] == windows[nextWindow].Start)
            {
                curWindow = nextWindow++;
                curRight = Array.IndexOf(ts, windows[curWindow].End);
                if (curRight < 0)
                {
                    throw new InvalidDataException(
                        $"{file.File}: window end {windows[curWindow].End:yyyy-MM-dd HH:mm:ss} is not a row timestamp");
                }

                curWidth = curRight - i + 1;
            }

            double weight;
            if (curWindow >= 0)
            {
                double position = -(curRight - i + 1) / curWidth;
                weight = ScaledSigmoid(position) * profile.TpWeight / maxTp;
            }
            else
            {
                double position = prevRight < 0 ? 3.0 : Math.Abs(prevRight - i) / (prevWidth - 1);
                weight = ScaledSigmoid(position) * profile.FpWeight;
            }

            if (i >= probation)
            {
                points.Add(new Point(file.Scores[i], weight, curWindow >= 0 ? windowIdBase + curWindow : -1));
            }

            if (curWindow >= 0 && ts[i] == windows[curWindow].End)
            {
                prevRight = i;
                prevWidth = curWidth;
                curWindow = -1;
            }
        }

        if (nextWindow < windows.Length)
        {
            throw new InvalidDataException(
                $"{file.File}: window start {windows[nextWindow].Start:yyyy-MM-dd HH:mm:ss} is not a row timestamp");
        }
    }

    /// <summary>
    /// Mirrors <c>Sweeper.calcScoreByThreshold</c> + the optimiser: sweep distinct scores from the highest down;
    /// the score at threshold θ counts every row with score ≥ θ. Ties in the best score keep the highest θ, as
    /// NAB's stable sort does. The starting point (θ = 1.1, nothing detected) is the null detector's score.
    /// </summary>
    private static Best Sweep(List<Point> points, int windowCount, NabProfile profile, out double nullScore)
    {
        // Only windows with at least one scorable row enter the sum (NAB's scoreParts); all windows here
        // lie after probation in practice, but keep NAB's rule.
        var windowBest = new double[windowCount];
        var present = new bool[windowCount];
        double total = 0;
        foreach (var p in points)
        {
            if (p.Window >= 0 && !present[p.Window])
            {
                present[p.Window] = true;
                windowBest[p.Window] = -profile.FnWeight;
                total -= profile.FnWeight;
            }
        }

        nullScore = total;
        points.Sort((a, b) => b.Score.CompareTo(a.Score));
        var best = new Best(1.1, total, 0, 0);
        int tp = 0, fp = 0;
        for (int k = 0; k < points.Count; k++)
        {
            var p = points[k];
            if (p.Window >= 0)
            {
                tp++;
                if (p.Weight > windowBest[p.Window])
                {
                    total += p.Weight - windowBest[p.Window];
                    windowBest[p.Window] = p.Weight;
                }
            }
            else
            {
                fp++;
                total += p.Weight;
            }

            bool lastOfThreshold = k + 1 == points.Count || points[k + 1].Score != p.Score;
            if (lastOfThreshold && total > best.Score)
            {
                best = new Best(p.Score, total, tp, fp);
            }
        }

        return best;
    }
}
