using System.Globalization;
using Aiops.Analytics.Anomaly;

namespace Aiops.Eval.Nab;

/// <summary>Runs a detector over a NAB data folder and writes NAB results files (DESIGN §9.1).</summary>
public static class NabRunner
{
    /// <summary>
    /// For every <c>DATA/&lt;category&gt;/&lt;file&gt;.csv</c> writes
    /// <c>OUT/&lt;detector&gt;/&lt;category&gt;/&lt;detector&gt;_&lt;file&gt;.csv</c> (<c>timestamp,value,anomaly_score</c>).
    /// Files run in parallel; each file has its own detector instance fed in row order.
    /// </summary>
    /// <returns>The errors found in the inputs (bad rows are reported and skipped).</returns>
    public static IReadOnlyList<NabCsvError> Run(string dataDir, string outDir, string detectorName,
        Action<int, int, long>? progress = null)
    {
        DetectorFactory.Create(detectorName); // fail fast on an unknown name, before any output is written
        var files = Directory.GetDirectories(dataDir)
            .SelectMany(dir => Directory.GetFiles(dir, "*.csv"))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var errors = new List<NabCsvError>();
        int done = 0;
        long rows = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.ForEach(files, options, path =>
        {
            var fileErrors = new List<NabCsvError>();
            var series = NabCsv.Read(path, "value", fileErrors);
            string category = Path.GetFileName(Path.GetDirectoryName(path)!);
            string targetDir = Path.Combine(outDir, detectorName, category);
            Directory.CreateDirectory(targetDir);
            string target = Path.Combine(targetDir, $"{detectorName}_{Path.GetFileName(path)}");
            var detector = DetectorFactory.Create(detectorName);
            using (var writer = new StreamWriter(target))
            {
                writer.WriteLine("timestamp,value,anomaly_score");
                for (int i = 0; i < series.Values.Length; i++)
                {
                    long ms = new DateTimeOffset(series.Timestamps[i], TimeSpan.Zero).ToUnixTimeMilliseconds();
                    double score = Math.Clamp(detector.Update(ms, series.Values[i]), 0.0, 1.0);
                    writer.Write(series.RawTimestamps[i]);
                    writer.Write(',');
                    writer.Write(series.Values[i].ToString("R", CultureInfo.InvariantCulture));
                    writer.Write(',');
                    writer.WriteLine(score.ToString("R", CultureInfo.InvariantCulture));
                }
            }

            lock (errors)
            {
                errors.AddRange(fileErrors);
                done++;
                rows += series.Values.Length;
                progress?.Invoke(done, files.Length, rows);
            }
        });
        return errors;
    }

    /// <summary>
    /// Loads one detector's results folder (<c>&lt;category&gt;/[&lt;detector&gt;_]&lt;file&gt;.csv</c>), keeping the files
    /// the labels know. The <c>&lt;detector&gt;_</c> prefix is optional so published NAB results load as they are.
    /// </summary>
    public static IReadOnlyList<NabFileScores> LoadResults(string detectorDir, NabLabels labels, List<NabCsvError> errors)
    {
        string detector = Path.GetFileName(Path.TrimEndingDirectorySeparator(detectorDir));
        var result = new List<NabFileScores>();
        foreach (var dir in Directory.GetDirectories(detectorDir).Order(StringComparer.Ordinal))
        {
            string category = Path.GetFileName(dir);
            foreach (var path in Directory.GetFiles(dir, "*.csv").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(path);
                string key = $"{category}/{name}";
                if (!labels.TryGetWindows(key, out _) && name.StartsWith(detector + "_", StringComparison.Ordinal))
                {
                    key = $"{category}/{name[(detector.Length + 1)..]}";
                }

                if (!labels.TryGetWindows(key, out _))
                {
                    continue;
                }

                var series = NabCsv.Read(path, "anomaly_score", errors);
                result.Add(new NabFileScores(key, series.Timestamps, series.Values));
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="dir"/> is one detector's folder (its subfolders are labelled categories).</summary>
    public static bool IsDetectorFolder(string dir, NabLabels labels)
    {
        var categories = labels.Files.Select(f => f.Split('/')[0]).ToHashSet(StringComparer.Ordinal);
        return Directory.GetDirectories(dir).Any(d => categories.Contains(Path.GetFileName(d)));
    }
}
