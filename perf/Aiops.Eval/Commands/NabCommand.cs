using System.Diagnostics;
using System.Globalization;
using Aiops.Analytics.Anomaly;
using Aiops.Eval.Nab;

namespace Aiops.Eval.Commands;

/// <summary>
/// <c>nab --data DIR --out DIR [--detector NAME]</c> runs a detector over NAB data (default <c>aiops</c>);
/// <c>nab score --results DIR --labels FILE</c> prints normalised NAB scores. <c>--results</c> may be one
/// detector's folder (<c>OUT/aiops</c>) or a folder of detector folders (<c>OUT</c>: every one is scored).
/// </summary>
public static class NabCommand
{
    private const string UsageText =
        "usage: nab --data DIR --out DIR [--detector NAME]\n       nab score --results DIR --labels FILE";

    public static int Run(string[] args)
    {
        try
        {
            return args.Length > 0 && args[0] == "score" ? Score(CliOptions.Parse(args[1..])) : Detect(CliOptions.Parse(args));
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"nab: {ex.Message}");
            Console.Error.WriteLine(UsageText);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or UnauthorizedAccessException
                                       or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"nab: {ex.Message}");
            return 1;
        }
    }

    private static int Detect(Dictionary<string, string> options)
    {
        string data = options.Require("data");
        string output = options.Require("out");
        string detector = options.GetValueOrDefault("detector", DetectorFactory.DefaultName);
        if (!Directory.Exists(data))
        {
            throw new ArgumentException($"--data '{data}' is not a directory");
        }

        var clock = Stopwatch.StartNew();
        var errors = NabRunner.Run(data, output, detector, (done, total, rows) =>
            Console.Error.Write($"\rnab {detector}: {done}/{total} files, {rows:N0} rows, {clock.Elapsed.TotalSeconds:F1} s"));
        Console.Error.WriteLine();
        foreach (var e in errors)
        {
            Console.Error.WriteLine(e);
        }

        Console.WriteLine($"wrote {Path.Combine(output, detector)} in {clock.Elapsed.TotalSeconds:F1} s");
        return errors.Count == 0 ? 0 : 1;
    }

    private static int Score(Dictionary<string, string> options)
    {
        string results = options.Require("results");
        var labels = NabLabels.Load(options.Require("labels"));
        if (!Directory.Exists(results))
        {
            throw new ArgumentException($"--results '{results}' is not a directory");
        }

        string[] detectorDirs = NabRunner.IsDetectorFolder(results, labels)
            ? [results]
            : [.. Directory.GetDirectories(results).Order(StringComparer.Ordinal)];
        var errors = new List<NabCsvError>();
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"{"detector",-20} {"standard",10} {"reward_low_FP_rate",20} {"reward_low_FN_rate",20}   thresholds (files, windows)");
        foreach (var dir in detectorDirs)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
            Console.Error.Write($"\rscoring {name}...");
            var files = NabRunner.LoadResults(dir, labels, errors);
            if (files.Count == 0)
            {
                Console.Error.WriteLine($"\r{name}: no labelled results files, skipped");
                continue;
            }

            var scores = NabScorer.ScoreAll(files, labels);
            Console.Error.Write($"\r{new string(' ', name.Length + 12)}\r");
            int windows = files.Sum(f => labels.TryGetWindows(f.File, out var w) ? w.Length : 0);
            Console.WriteLine(string.Create(inv,
                $"{name,-20} {scores[0].Normalized,10:F2} {scores[1].Normalized,20:F2} {scores[2].Normalized,20:F2}   " +
                $"{string.Join(" / ", scores.Select(s => s.Threshold.ToString("G6", inv)))} ({files.Count}, {windows})"));
        }

        foreach (var e in errors)
        {
            Console.Error.WriteLine(e);
        }

        return errors.Count == 0 ? 0 : 1;
    }
}
