using System.Diagnostics;
using System.Globalization;
using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;
using Aiops.Eval.Correlate;

namespace Aiops.Eval.Commands;

/// <summary>
/// <c>correlate</c> (DESIGN §9.3):
/// <list type="bullet">
/// <item><c>correlate --cmdb FILE --events FILE --out FILE [--trace FILE]</c>: run the correlator, write incidents JSON
/// (and, with --trace, why each event went where);</item>
/// <item><c>correlate generate --out DIR [--seed S] [--cis N] [--family NAME]</c>: write scenario families
/// (<c>DIR/&lt;family&gt;/cmdb.json, events.csv, truth.csv</c>);</item>
/// <item><c>correlate score --truth FILE --events FILE --incidents FILE</c>: score plus both baselines;</item>
/// <item><c>correlate bench --dir DIR [--seed S]</c>: generate, run and score every family, one row each.</item>
/// </list>
/// </summary>
public static class CorrelateCommand
{
    public static int Run(string[] args)
    {
        try
        {
            if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
            {
                var rest = CliOptions.Parse(args[1..]);
                return args[0] switch
                {
                    "generate" => Generate(rest),
                    "score" => Score(rest),
                    "bench" => Bench(rest),
                    _ => Usage(),
                };
            }
            return Correlate(CliOptions.Parse(args));
        }
        catch (Exception ex) when (ex is FormatException or IOException or ArgumentException or KeyNotFoundException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"correlate: {ex.Message}");
            return 1;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("""
            usage: correlate --cmdb FILE --events FILE --out FILE [--trace FILE]
                   correlate generate --out DIR [--seed S] [--cis N] [--family NAME]
                   correlate score --truth FILE --events FILE --incidents FILE
                   correlate bench --dir DIR [--seed S]
            """);
        return 2;
    }

    private static int Correlate(Dictionary<string, string> o)
    {
        var sw = Stopwatch.StartNew();
        var graph = CorrelationRunner.LoadCmdb(o.Require("cmdb"));
        var events = CorrelationRunner.LoadEvents(o.Require("events"));
        using var trace = o.TryGetValue("trace", out var tracePath) ? new StreamWriter(tracePath) : null;
        var counters = "";
        var (incidents, elapsed) = CorrelationRunner.RunTimed(graph, events, trace, c => counters = c);
        IncidentsJson.Write(o.Require("out"), incidents);
        Console.WriteLine($"correlate: {graph.Count} CIs, {events.Count} events -> {incidents.Count} incidents in {elapsed.TotalSeconds:0.00} s (total {sw.Elapsed.TotalSeconds:0.00} s); {counters}");
        return 0;
    }

    private static int Generate(Dictionary<string, string> o)
    {
        var dir = o.Require("out");
        var seed = o.TryGetValue("seed", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 42;
        var families = ScenarioFamily.Defaults.Where(f => !o.TryGetValue("family", out var name) || f.Name == name).ToList();
        if (families.Count == 0) throw new ArgumentException($"unknown family '{o["family"]}' ({string.Join(", ", ScenarioFamily.Defaults.Select(f => f.Name))})");
        foreach (var f in families)
        {
            var fam = o.TryGetValue("cis", out var c) ? Scale(f, int.Parse(c, CultureInfo.InvariantCulture)) : f;
            var sc = Write(dir, fam, seed);
            Console.WriteLine($"generate {fam.Name}: {sc.Cmdb.Cis.Count} CIs, {sc.Cmdb.Relations.Count} relations, {sc.Events.Count} events, {sc.RootOfFault.Count} faults");
        }
        return 0;
    }

    /// <summary>Scales a family to another estate size, keeping faults per CI.</summary>
    private static ScenarioFamily Scale(ScenarioFamily f, int cis)
    {
        cis = Math.Clamp(cis, 100, 5000);
        return f with { Cis = cis, Faults = Math.Max(4, (int)Math.Round(f.Faults * (double)cis / f.Cis)) };
    }

    private static Scenario Write(string dir, ScenarioFamily family, int seed)
    {
        var sc = ScenarioGenerator.Generate(family, seed);
        var sub = Path.Combine(dir, family.Name);
        Directory.CreateDirectory(sub);
        CmdbJson.WriteFile(Path.Combine(sub, "cmdb.json"), sc.Cmdb);
        using (var w = new StreamWriter(Path.Combine(sub, "events.csv"))) EventCsv.Write(w, sc.Events);
        new GroundTruth(sc.FaultOfEvent, sc.RootOfFault).Write(Path.Combine(sub, "truth.csv"));
        return sc;
    }

    private static int Score(Dictionary<string, string> o)
    {
        var truth = GroundTruth.Read(o.Require("truth"));
        var events = CorrelationRunner.LoadEvents(o.Require("events"));
        var incidents = IncidentsJson.Read(o.Require("incidents"));
        Console.WriteLine(HeaderRow());
        Console.WriteLine(Row("correlator", CorrelationScorer.Score(truth, events, incidents)));
        Console.WriteLine(Row("per-ci-30m", CorrelationScorer.Score(truth, events, Baselines.PerCi(events))));
        Console.WriteLine(Row("window-5m", CorrelationScorer.Score(truth, events, Baselines.TimeWindow(events))));
        return 0;
    }

    private static int Bench(Dictionary<string, string> o)
    {
        var dir = o.Require("dir");
        var seed = o.TryGetValue("seed", out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : 42;
        Console.WriteLine(HeaderRow() + " secs");
        var rows = new List<string>();
        foreach (var f in ScenarioFamily.Defaults)
        {
            Write(dir, f, seed);
            var sub = Path.Combine(dir, f.Name);
            var graph = CorrelationRunner.LoadCmdb(Path.Combine(sub, "cmdb.json"));
            var events = CorrelationRunner.LoadEvents(Path.Combine(sub, "events.csv"));
            var truth = GroundTruth.Read(Path.Combine(sub, "truth.csv"));
            var (incidents, elapsed) = CorrelationRunner.RunTimed(graph, events);
            IncidentsJson.Write(Path.Combine(sub, "incidents.json"), incidents);
            Console.WriteLine(Row(f.Name, CorrelationScorer.Score(truth, events, incidents)) + $" {elapsed.TotalSeconds,5:0.00}");
            rows.Add(Row(f.Name + "/per-ci", CorrelationScorer.Score(truth, events, Baselines.PerCi(events))));
            rows.Add(Row(f.Name + "/window", CorrelationScorer.Score(truth, events, Baselines.TimeWindow(events))));
        }
        Console.WriteLine("baselines:");
        foreach (var r in rows) Console.WriteLine(r);
        return 0;
    }

    private static string HeaderRow() =>
        $"{"method",-22} {"events",7} {"faults",6} {"noise",6} {"incid",6} {"inc/flt",7} {"pairP",6} {"pairR",6} {"top1",6} {"top3",6} {"noiseRed",8} {"ideal",6}";

    private static string Row(string name, CorrelationScore s) => string.Create(CultureInfo.InvariantCulture,
        $"{name,-22} {s.Events,7} {s.Faults,6} {s.NoiseEvents,6} {s.Incidents,6} {s.IncidentsPerFault,7:0.000} {s.PairPrecision,6:0.000} {s.PairRecall,6:0.000} {s.RootTop1,6:0.000} {s.RootTop3,6:0.000} {s.NoiseReduction,8:0.000} {s.IdealNoiseReduction,6:0.000}");
}
