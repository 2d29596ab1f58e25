using Aiops.Analytics.Correlation;

namespace Aiops.Eval.Correlate;

/// <summary>The §9.3 figures for one incident set.</summary>
public sealed record CorrelationScore(
    int Events,
    int Faults,
    int NoiseEvents,
    int Incidents,
    double IncidentsPerFault,
    double PairPrecision,
    double PairRecall,
    double RootTop1,
    double RootTop3,
    double NoiseReduction,
    double IdealNoiseReduction);

/// <summary>
/// Scores incidents against ground truth (DESIGN §9.3): incidents per fault, pairwise grouping
/// precision/recall over fault events, root-cause top-1/top-3 (the incident holding most of a fault's
/// events counts for it), noise reduction <c>1 − incidents/events</c> beside its ideal
/// <c>1 − (faults + noise events)/events</c>.
/// </summary>
public static class CorrelationScorer
{
    /// <exception cref="FormatException">An event sits in two incidents.</exception>
    public static CorrelationScore Score(GroundTruth truth, IReadOnlyList<CorrelationEvent> events, IReadOnlyList<IncidentRecord> incidents)
    {
        // Incident index per event; an event left out counts as an incident of its own.
        var incidentOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < incidents.Count; i++)
            foreach (var e in incidents[i].Events)
                if (!incidentOf.TryAdd(e, i))
                    throw new FormatException($"event '{e}' is in two incidents ('{incidents[incidentOf[e]].Id}' and '{incidents[i].Id}')");
        var incidentCount = incidents.Count(i => i.Events.Count > 0);
        var next = incidents.Count;
        foreach (var e in events)
            if (!incidentOf.ContainsKey(e.Id)) { incidentOf[e.Id] = next++; incidentCount++; }

        var cells = new Dictionary<(int Incident, string Fault), long>();
        var perIncident = new Dictionary<int, long>();
        var perFault = new Dictionary<string, long>(StringComparer.Ordinal);
        var noise = 0;
        foreach (var e in events)
        {
            var fault = truth.FaultOfEvent.GetValueOrDefault(e.Id);
            if (fault is null) { noise++; continue; }
            var inc = incidentOf[e.Id];
            cells[(inc, fault)] = cells.GetValueOrDefault((inc, fault)) + 1;
            perIncident[inc] = perIncident.GetValueOrDefault(inc) + 1;
            perFault[fault] = perFault.GetValueOrDefault(fault) + 1;
        }
        static double Pairs(long n) => n * (n - 1) / 2.0;
        var tp = cells.Values.Sum(Pairs);
        var predicted = perIncident.Values.Sum(Pairs);
        var actual = perFault.Values.Sum(Pairs);

        var faults = perFault.Keys.ToList();
        double top1 = 0, top3 = 0, incidentsPerFault = 0;
        foreach (var f in faults)
        {
            var mine = cells.Where(c => c.Key.Fault == f).ToList();
            incidentsPerFault += mine.Count;
            // Ties go to the earlier incident so the result does not depend on dictionary order.
            var best = mine.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Incident).First().Key.Incident;
            if (best >= incidents.Count) continue; // a left-out event: no root named
            var root = truth.RootOfFault.GetValueOrDefault(f);
            var inc = incidents[best];
            if (inc.RootCi == root) top1++;
            var ranked = new List<string>();
            foreach (var c in (inc.RootCi is null ? [] : new[] { inc.RootCi }).Concat(inc.RootCandidates))
                if (!ranked.Contains(c)) ranked.Add(c);
            if (ranked.Take(3).Contains(root)) top3++;
        }
        var nf = Math.Max(1, faults.Count);
        return new CorrelationScore(
            events.Count, faults.Count, noise, incidentCount,
            faults.Count == 0 ? 0 : incidentsPerFault / nf,
            predicted == 0 ? 1 : tp / predicted,
            actual == 0 ? 1 : tp / actual,
            top1 / nf, top3 / nf,
            events.Count == 0 ? 0 : 1 - (double)incidentCount / events.Count,
            events.Count == 0 ? 0 : 1 - (double)(faults.Count + noise) / events.Count);
    }
}

/// <summary>The §9.3 baselines.</summary>
public static class Baselines
{
    /// <summary>One incident per CI; a new one after a quiet gap of more than <paramref name="gap"/> (30 min).</summary>
    public static List<IncidentRecord> PerCi(IReadOnlyList<CorrelationEvent> events, TimeSpan? gap = null)
    {
        var g = gap ?? TimeSpan.FromMinutes(30);
        var open = new Dictionary<string, (List<CorrelationEvent> Events, int Index)>(StringComparer.Ordinal);
        var all = new List<List<CorrelationEvent>>();
        foreach (var e in events)
        {
            if (!open.TryGetValue(e.Ci, out var cur) || e.Time - cur.Events[^1].Time > g)
            {
                cur = ([], all.Count);
                all.Add(cur.Events);
                open[e.Ci] = cur;
            }
            cur.Events.Add(e);
        }
        return [.. all.Select((l, i) => ToRecord($"ci-{i + 1}", l))];
    }

    /// <summary>Pure time window: an event less than <paramref name="window"/> (5 min) after the previous joins its incident.</summary>
    public static List<IncidentRecord> TimeWindow(IReadOnlyList<CorrelationEvent> events, TimeSpan? window = null)
    {
        var w = window ?? TimeSpan.FromMinutes(5);
        var all = new List<List<CorrelationEvent>>();
        foreach (var e in events)
        {
            if (all.Count == 0 || e.Time - all[^1][^1].Time >= w) all.Add([]);
            all[^1].Add(e);
        }
        return [.. all.Select((l, i) => ToRecord($"tw-{i + 1}", l))];
    }

    /// <summary>Root = CI of the earliest event; candidates = the next distinct CIs in time order.</summary>
    private static IncidentRecord ToRecord(string id, List<CorrelationEvent> evts)
    {
        var cis = evts.Select(e => e.Ci).Distinct().Take(5).ToList();
        return new IncidentRecord(id, cis[0], cis.Skip(1).ToList(), evts.Select(e => e.Id).ToList(), evts[0].Time, evts[^1].Time);
    }
}
