using System.Text.Json;
using Aiops.Analytics.Anomaly;
using Aiops.Eval.Nab;

namespace Aiops.Analytics.Tests.Nab;

public class NabScorerTests
{
    private const double Tolerance = 0.05;

    [Fact]
    public void ScoreAll_NumentaCalibration_ReproducesExpectedScores()
    {
        var labels = NabLabels.Load(SharedData.Labels);
        var errors = new List<NabCsvError>();
        var files = NabRunner.LoadResults(Path.Combine(SharedData.NabDir, "calibration", "numenta"), labels, errors);

        var scores = NabScorer.ScoreAll(files, labels);

        Assert.Empty(errors);
        Assert.Equal(41, files.Count);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.NabDir, "expected_scores.json")));
        var numenta = expected.RootElement.GetProperty("numenta");
        foreach (var score in scores)
        {
            double want = numenta.GetProperty(score.Profile.Name).GetDouble();
            Assert.True(Math.Abs(score.Normalized - want) <= Tolerance,
                $"{score.Profile.Name}: got {score.Normalized:F3}, expected {want:F2} ± {Tolerance}");
        }
    }

    [Fact]
    public void ScoreAll_NullDetectorOnData_ScoresZero()
    {
        var labels = NabLabels.Load(SharedData.Labels);
        var files = RunDetector(labels, _ => DetectorFactory.Create(NullDetector.DetectorName));

        var scores = NabScorer.ScoreAll(files, labels);

        Assert.All(scores, s => Assert.Equal(0.0, s.Normalized, 9));
    }

    [Fact]
    public void ScoreAll_DetectorFiringOnEveryRow_ScoresAtMostZero()
    {
        var labels = NabLabels.Load(SharedData.Labels);
        var files = RunDetector(labels, _ => new ConstantDetector(1.0));

        var scores = NabScorer.ScoreAll(files, labels);

        Assert.All(scores, s => Assert.True(s.Normalized <= 0.0, $"{s.Profile.Name}: {s.Normalized}"));
    }

    [Fact]
    public void Score_OneEarlyDetectionInWindow_ScoresTheSigmoidWeight()
    {
        // 1000 rows (probation 150), one window on rows 500..599, one detection at row 500 (the window's left
        // edge: y = -(599-500+1)/100 = -1, weight A_TP exactly) and one false positive at row 300 (before any
        // window: -A_FP).
        var ts = Enumerable.Range(0, 1000).Select(i => new DateTime(2020, 1, 1).AddMinutes(5 * i)).ToArray();
        var scores = new double[1000];
        scores[500] = 1.0;
        scores[300] = 1.0;
        var labels = new NabLabels(new() { ["c/f.csv"] = [(ts[500], ts[599])] });

        var result = NabScorer.Score([new NabFileScores("c/f.csv", ts, scores)], labels, NabProfile.Standard);

        Assert.Equal(1.0 - 0.11, result.RawScore, 9);
        Assert.Equal(-1.0, result.NullScore, 9);
        Assert.Equal(100 * (0.89 + 1) / 2, result.Normalized, 9);
    }

    [Fact]
    public void Score_DetectionAfterWindow_CostsLessNearTheWindow()
    {
        var ts = Enumerable.Range(0, 1000).Select(i => new DateTime(2020, 1, 1).AddMinutes(5 * i)).ToArray();
        var labels = new NabLabels(new() { ["c/f.csv"] = [(ts[500], ts[599])] });
        double near = ScoreWithDetectionsAt(ts, labels, 600);
        double far = ScoreWithDetectionsAt(ts, labels, 900);

        // Both hit the window's left edge (+1); just after the window the FP weight is 0.11·σ(1/99) ≈ -0.003,
        // more than 3 window widths later it is the full -0.11.
        Assert.Equal(1.0 + (0.11 * NabScorer.ScaledSigmoid(1.0 / 99)), near, 9);
        Assert.Equal(1.0 - 0.11, far, 9);
    }

    [Theory]
    [InlineData(-1.0, 0.98661)]
    [InlineData(-0.5, 0.84828)]
    [InlineData(0.0, 0.0)]
    [InlineData(1.0, -0.98661)]
    [InlineData(3.0, -1.0)]
    public void ScaledSigmoid_KnownPositions_MatchNab(double y, double expected) =>
        Assert.Equal(expected, NabScorer.ScaledSigmoid(y), 5);

    [Theory]
    [InlineData(1000, 150)]
    [InlineData(1127, 169)]
    [InlineData(22695, 750)]
    public void ProbationaryLength_FileSizes_FifteenPercentCappedAt750(int rows, int expected) =>
        Assert.Equal(expected, NabScorer.ProbationaryLength(rows));

    private static double ScoreWithDetectionsAt(DateTime[] ts, NabLabels labels, int row)
    {
        var scores = new double[ts.Length];
        scores[500] = 1.0;
        scores[row] = 1.0;
        return NabScorer.Score([new NabFileScores("c/f.csv", ts, scores)], labels, NabProfile.Standard).RawScore;
    }

    private static List<NabFileScores> RunDetector(NabLabels labels, Func<string, IStreamingDetector> create)
    {
        var errors = new List<NabCsvError>();
        var result = new List<NabFileScores>();
        foreach (string file in labels.Files)
        {
            var series = NabCsv.Read(Path.Combine(SharedData.NabDir, "data", file), "value", errors);
            var detector = create(file);
            var scores = new double[series.Values.Length];
            for (int i = 0; i < scores.Length; i++)
            {
                long ms = new DateTimeOffset(series.Timestamps[i], TimeSpan.Zero).ToUnixTimeMilliseconds();
                scores[i] = detector.Update(ms, series.Values[i]);
            }

            result.Add(new NabFileScores(file, series.Timestamps, scores));
        }

        Assert.Empty(errors);
        return result;
    }

    private sealed class ConstantDetector(double score) : IStreamingDetector
    {
        public string Name => "constant";

        public double Update(long timestampUnixMs, double value) => score;

        public void WriteState(System.Buffers.IBufferWriter<byte> output)
        {
        }
    }
}
