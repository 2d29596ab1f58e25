using System.Diagnostics;
using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;

namespace Aiops.Eval.Correlate;

/// <summary>Runs the <see cref="Correlator"/> over an event list and shapes the §9.3 output.</summary>
public static class CorrelationRunner
{
    /// <summary>Runs the correlator; <paramref name="trace"/> (optional) gets one CSV row per event:
    /// <c>event,ci,incident,reason,via_ci,merged,merged_via</c>.</summary>
    public static List<IncidentRecord> Run(CmdbGraph graph, IReadOnlyList<CorrelationEvent> events, CorrelatorOptions? options = null,
        TextWriter? trace = null, Action<string>? counters = null)
    {
        var correlator = new Correlator(graph, options);
        trace?.WriteLine("event,ci,incident,reason,via_ci,merged,merged_via");
        foreach (var e in events)
        {
            var a = correlator.Add(e);
            trace?.WriteLine(string.Join(',', CsvText.Escape(e.Id), CsvText.Escape(e.Ci), a.IncidentId, a.Reason,
                CsvText.Escape(a.ViaCi), string.Join(';', a.Merged), CsvText.Escape(a.MergedVia)));
        }
        counters?.Invoke(correlator.CountersText);
        var max = (options ?? new CorrelatorOptions()).MaxRootCandidates;
        var result = new List<IncidentRecord>();
        foreach (var i in correlator.Incidents)
        {
            if (i.MergedInto is not null || i.EventIds.Count == 0) continue;
            var ranked = i.RankRootCauses(max);
            // root_candidates lists the alternatives after root_ci, so "root_ci then root_candidates"
            // gives three distinct CIs whether or not a scorer removes duplicates.
            result.Add(new IncidentRecord(i.Id, ranked.Count > 0 ? ranked[0].Ci : null,
                [.. ranked.Skip(1).Select(r => r.Ci)], i.EventIds, i.OpenedAt, i.ResolvedAt));
        }
        return result;
    }

    /// <summary>Loads events, reporting bad rows to stderr; out-of-order rows are kept and sorted (stable).</summary>
    public static List<CorrelationEvent> LoadEvents(string path)
    {
        var errors = new List<string>();
        List<CorrelationEvent> events;
        using (var reader = new StreamReader(path)) events = EventCsv.Read(reader, path, errors);
        foreach (var e in errors.Take(20)) Console.Error.WriteLine(e);
        if (errors.Count > 20) Console.Error.WriteLine($"{path}: {errors.Count - 20} more bad rows");
        var unordered = 0;
        for (var i = 1; i < events.Count; i++) if (events[i].Time < events[i - 1].Time) unordered++;
        if (unordered > 0)
        {
            Console.Error.WriteLine($"{path}: {unordered} rows out of time order; sorted by time (stable)");
            events = [.. events.OrderBy(e => e.Time)];
        }
        return events;
    }

    public static CmdbGraph LoadCmdb(string path)
    {
        var result = CmdbJson.ReadFile(path);
        foreach (var e in result.Errors.Take(20)) Console.Error.WriteLine(e);
        if (result.Errors.Count > 20) Console.Error.WriteLine($"{path}: {result.Errors.Count - 20} more problems");
        return new CmdbGraph(result.Document);
    }

    public static (List<IncidentRecord> Incidents, TimeSpan Elapsed) RunTimed(CmdbGraph graph, IReadOnlyList<CorrelationEvent> events,
        TextWriter? trace = null, Action<string>? counters = null)
    {
        var sw = Stopwatch.StartNew();
        var r = Run(graph, events, null, trace, counters);
        return (r, sw.Elapsed);
    }
}
