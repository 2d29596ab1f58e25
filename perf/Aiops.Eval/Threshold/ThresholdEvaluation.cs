using System.Globalization;
using System.Text;

namespace Aiops.Eval.Threshold;

/// <summary>Scores a predictions file and the two §9.2 baselines on the same data, side by side.</summary>
public static class ThresholdEvaluation
{
    public const string Aiops = "Aiops";
    public const string PredictLinear = "predict_linear";
    public const string PredictLinearLevel = "predict_linear+level";

    public sealed class Report
    {
        public Dictionary<string, ScoreSummary> Methods { get; } = [];
        public Dictionary<(string Method, string Kind), ScoreSummary> ByKind { get; } = [];

        public string Format()
        {
            var sb = new StringBuilder();
            sb.AppendLine(CultureInfo.InvariantCulture, $"{"method",-22}{"crossings",10}{"caught",8}{"recall",8}{"lead_med_min",14}{"FA",6}{"FA/100sd",10}{"eta_rel_err",13}{"coverage",10}");
            foreach ((string name, ScoreSummary s) in Methods)
            {
                sb.AppendLine(Row(name, s));
            }

            sb.Append(CultureInfo.InvariantCulture, $"series-days: {Methods.Values.FirstOrDefault()?.SeriesDays:0.0}");
            return sb.ToString();
        }

        public string FormatByKind()
        {
            var sb = new StringBuilder();
            foreach (var g in ByKind.OrderBy(k => k.Key.Kind, StringComparer.Ordinal).ThenBy(k => k.Key.Method, StringComparer.Ordinal))
            {
                sb.AppendLine(Row($"{g.Key.Kind}/{g.Key.Method}", g.Value, 40));
            }

            return sb.ToString();
        }

        private static string Row(string name, ScoreSummary s, int width = 22) =>
            string.Create(CultureInfo.InvariantCulture,
                $"{name.PadRight(width)}{s.Crossings,10}{s.Caught,8}{F(s.Recall, "0.000"),8}{F(s.MedianLeadMinutes, "0"),14}{s.FalseAlarms,6}{F(s.FalseAlarmsPer100SeriesDays, "0.00"),10}{F(s.MedianRelativeEtaError, "0.000"),13}{F(s.IntervalCoverage, "0.000"),10}");

        private static string F(double v, string fmt) => double.IsNaN(v) ? "n/a" : v.ToString(fmt, CultureInfo.InvariantCulture);
    }

    public static Report Score(string dir, string? predictionsFile, ThresholdData.ErrorLog errors, Action<int, int>? progress = null)
    {
        List<ManifestEntry> manifest = ThresholdData.ReadManifest(dir, errors);
        Dictionary<string, List<PredictionRow>> byFile = [];
        if (predictionsFile is not null)
        {
            foreach (PredictionRow row in ThresholdData.ReadPredictions(predictionsFile, errors))
            {
                if (!byFile.TryGetValue(row.File, out List<PredictionRow>? list))
                {
                    byFile[row.File] = list = [];
                }

                list.Add(row);
            }
        }

        Dictionary<string, string> kinds = ReadKinds(dir);
        var results = new (FileScore? Aiops, FileScore Linear, FileScore Level, double Days)[manifest.Count];
        int done = 0;
        Parallel.For(0, manifest.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            ManifestEntry e = manifest[i];
            SeriesData s = ThresholdData.ReadSeries(dir, e, errors);
            long? crossing = ThresholdScorer.FindCrossing(s.Times, s.Values, e.Threshold);
            FileScore? ours = predictionsFile is null
                ? null
                : ThresholdScorer.ScoreFile(crossing, ThresholdScorer.ToAlerts(byFile.GetValueOrDefault(e.File) ?? []));
            FileScore lin = ThresholdScorer.ScoreFile(crossing, Baselines.PredictLinear(s.Times, s.Values, e.Threshold, levelGate: false));
            FileScore lvl = ThresholdScorer.ScoreFile(crossing, Baselines.PredictLinear(s.Times, s.Values, e.Threshold, levelGate: true));
            results[i] = (ours, lin, lvl, s.SpanDays);
            progress?.Invoke(Interlocked.Increment(ref done), manifest.Count);
        });

        var report = new Report();
        for (int i = 0; i < results.Length; i++)
        {
            string kind = kinds.GetValueOrDefault(manifest[i].File, "unlabelled");
            (FileScore? ours, FileScore lin, FileScore lvl, double days) = results[i];
            if (ours is not null)
            {
                Add(report, Aiops, kind, ours, days);
            }

            Add(report, PredictLinear, kind, lin, days);
            Add(report, PredictLinearLevel, kind, lvl, days);
        }

        return report;
    }

    private static void Add(Report report, string method, string kind, FileScore score, double days)
    {
        if (!report.Methods.TryGetValue(method, out ScoreSummary? s))
        {
            report.Methods[method] = s = new ScoreSummary();
        }

        s.Add(score, days);
        if (!report.ByKind.TryGetValue((method, kind), out ScoreSummary? k))
        {
            report.ByKind[(method, kind)] = k = new ScoreSummary();
        }

        k.Add(score, days);
    }

    /// <summary>Optional <c>labels.csv</c> written by the generator; only used for the per-behaviour breakdown.</summary>
    private static Dictionary<string, string> ReadKinds(string dir)
    {
        string path = Path.Combine(dir, "labels.csv");
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return kinds;
        }

        foreach (string line in File.ReadLines(path).Skip(1))
        {
            string[] p = line.Split(',');
            if (p.Length >= 2)
            {
                kinds[p[0]] = p[1];
            }
        }

        return kinds;
    }
}
