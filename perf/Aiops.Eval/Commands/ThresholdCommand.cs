using System.Diagnostics;
using System.Globalization;
using Aiops.Eval.Threshold;

namespace Aiops.Eval.Commands;

/// <summary>
/// The <c>threshold</c> commands (DESIGN §9.2):
/// <c>threshold --data DIR --out FILE</c> runs the predictor;
/// <c>threshold generate --out DIR [--series 500] [--days 7] [--seed 42]</c> writes a labelled synthetic set;
/// <c>threshold score --data DIR [--predictions FILE] [--by-kind true]</c> scores predictions next to the two baselines.
/// </summary>
public static class ThresholdCommand
{
    public static int Run(string[] args)
    {
        try
        {
            if (args.Length > 0 && args[0] == "generate")
            {
                return Generate(CliOptions.Parse(args[1..]));
            }

            if (args.Length > 0 && args[0] == "score")
            {
                return Score(CliOptions.Parse(args[1..]));
            }

            return Predict(CliOptions.Parse(args));
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or FormatException)
        {
            Console.Error.WriteLine($"threshold: {ex.Message}");
            return 2;
        }
    }

    private static int Generate(Dictionary<string, string> o)
    {
        var options = new GeneratorOptions(
            o.TryGetValue("series", out string? s) ? int.Parse(s, CultureInfo.InvariantCulture) : 500,
            o.TryGetValue("days", out string? d) ? double.Parse(d, CultureInfo.InvariantCulture) : 7,
            o.TryGetValue("seed", out string? seed) ? int.Parse(seed, CultureInfo.InvariantCulture) : 42);
        string dir = o.Require("out");
        var sw = Stopwatch.StartNew();
        ScenarioGenerator.Generate(dir, options, n => Progress($"generate: {n}/{options.Series} series, {sw.Elapsed.TotalSeconds:0.0}s"));
        Console.Error.WriteLine();
        Console.WriteLine($"wrote {options.Series} series x {options.Days} days (seed {options.Seed}) to {dir} in {sw.Elapsed.TotalSeconds:0.0}s");
        return 0;
    }

    private static int Predict(Dictionary<string, string> o)
    {
        string dir = o.Require("data");
        string outFile = o.Require("out");
        var errors = new ThresholdData.ErrorLog();
        var sw = Stopwatch.StartNew();
        ThresholdRunner.Result r = ThresholdRunner.Run(dir, outFile, errors, (n, total) => Progress($"threshold: {n}/{total} series, {sw.Elapsed.TotalSeconds:0.0}s"));
        Console.Error.WriteLine();
        ReportErrors(errors);
        Console.WriteLine($"{r.Series} series, {r.Samples} samples, {r.Rows} prediction rows -> {outFile} in {sw.Elapsed.TotalSeconds:0.0}s");
        return 0;
    }

    private static int Score(Dictionary<string, string> o)
    {
        string dir = o.Require("data");
        o.TryGetValue("predictions", out string? predFile);
        var errors = new ThresholdData.ErrorLog();
        var sw = Stopwatch.StartNew();
        ThresholdEvaluation.Report report = ThresholdEvaluation.Score(dir, predFile, errors, (n, total) => Progress($"score: {n}/{total} series, {sw.Elapsed.TotalSeconds:0.0}s"));
        Console.Error.WriteLine();
        ReportErrors(errors);
        Console.WriteLine(report.Format());
        if (o.TryGetValue("by-kind", out string? byKind) && byKind == "true")
        {
            Console.WriteLine(report.FormatByKind());
        }

        return 0;
    }

    private static void ReportErrors(ThresholdData.ErrorLog errors)
    {
        if (errors.Count == 0)
        {
            return;
        }

        Console.Error.WriteLine($"{errors.Count} bad input row(s) skipped; first ones:");
        foreach (string e in errors.Kept.Take(10))
        {
            Console.Error.WriteLine("  " + e);
        }
    }

    private static readonly Lock ProgressLock = new();
    private static long _lastProgressTicks;

    /// <summary>One progress line, rewritten in place at most 4 times a second (stderr, so stdout stays clean).</summary>
    private static void Progress(string line)
    {
        lock (ProgressLock)
        {
            long now = Environment.TickCount64;
            if (now - _lastProgressTicks < 250)
            {
                return;
            }

            _lastProgressTicks = now;
            Console.Error.Write("\r" + line.PadRight(60));
        }
    }
}
