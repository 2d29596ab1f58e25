using System.Text;
using Aiops.Analytics.Prediction;

namespace Aiops.Eval.Threshold;

/// <summary>Runs <see cref="ThresholdPredictor"/> over a §9.2 data set and writes the predictions CSV.</summary>
public static class ThresholdRunner
{
    public sealed record Result(int Series, long Samples, int Rows);

    public static Result Run(string dir, string outFile, ThresholdData.ErrorLog errors, Action<int, int>? progress = null)
    {
        List<ManifestEntry> manifest = ThresholdData.ReadManifest(dir, errors);
        var outputs = new string[manifest.Count];
        long samples = 0;
        int rows = 0, done = 0;
        Parallel.For(0, manifest.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            ManifestEntry e = manifest[i];
            SeriesData s = ThresholdData.ReadSeries(dir, e, errors);
            var sb = new StringBuilder();
            int n = 0;
            foreach (PredictionRow row in PredictSeries(e, s.Times, s.Values))
            {
                ThresholdData.AppendPrediction(sb, row);
                n++;
            }

            outputs[i] = sb.ToString();
            Interlocked.Add(ref samples, s.Times.Length);
            Interlocked.Add(ref rows, n);
            progress?.Invoke(Interlocked.Increment(ref done), manifest.Count);
        });

        using var w = new StreamWriter(outFile, false, new UTF8Encoding(false));
        w.Write(ThresholdData.PredictionHeader + "\n");
        foreach (string o in outputs)
        {
            w.Write(o);
        }

        return new Result(manifest.Count, samples, rows);
    }

    /// <summary>Feeds one series row by row (no look-ahead) and yields a row per raise, update and withdrawal.</summary>
    public static IEnumerable<PredictionRow> PredictSeries(ManifestEntry e, long[] times, double[] values)
    {
        var predictor = new ThresholdPredictor(new ThresholdPolicy(e.Threshold));
        for (int i = 0; i < times.Length; i++)
        {
            PredictionChange? c = predictor.Update(times[i], values[i]);
            if (c is null)
            {
                continue;
            }

            yield return c.Prediction is { } p
                ? new PredictionRow(e.File, times[i], p.EtaUnixMs, p.LowUnixMs, p.HighUnixMs, p.Probability)
                : new PredictionRow(e.File, times[i], null, null, null, null);
        }
    }
}
