using Aiops.Analytics.Cmdb;

namespace Aiops.Analytics.Correlation;

/// <summary>
/// Scores root-cause candidates of an incident. A candidate r covers k of the incident's M member CIs
/// (r itself or CIs depending on it) out of the N CIs of its dependency closure:
/// <c>score = 4·k/M + 2·(k/M)·(k/N) + prior(type) + share explained × causality × (reported bonus (0.5, +0.3 if down, +0.2·max score) + onset bonus (≤0.5))</c>.
/// A top candidate that reaches its members through one silent CI below it yields to that CI (only a cascade's root may be silent).
/// Coverage puts upstream CIs that explain every symptom first; specificity (k/N) prefers the smallest
/// such CI over its own ancestors (a hypervisor over its rack and site), which is also how a silent
/// root is inferred; the reported and onset bonuses favour the CI that failed first and hardest.
/// </summary>
internal static class RootCauseRanker
{
    public static IReadOnlyList<RootCandidate> Rank(Incident incident, CmdbGraph graph, int max)
    {
        var m = Math.Max(1, incident.Members.Count);
        var opened = incident.OpenedAt;
        var scored = new List<RootCandidate>(incident.Cover.Count);
        foreach (var (node, k) in incident.Cover)
        {
            var n = node < graph.Count ? graph.ClosureSize(node) : 1;
            var coverage = (double)k / m;
            // Specificity only separates candidates that explain the incident: scaled by coverage so a leaf
            // that explains itself (k = n) does not outrank the parent that explains everything.
            var score = 4 * coverage + 2 * coverage * Math.Min(1, (double)k / n)
                + TypePrior(node < graph.Count ? graph[node].Type : "");
            var reported = incident.Members.TryGetValue(node, out var member);
            if (reported)
            {
                // A cause precedes its effects: a CI that first reported minutes after the members under it
                // began failing is more likely one more victim or noise than their root (beyond a minute of
                // detection jitter), so its report counts for less.
                var after = incident.CoverFirst.TryGetValue(node, out var under) ? (member!.FirstAt - under).TotalSeconds : 0;
                var causal = Math.Exp(-Math.Max(0, after - 60) / 120);
                var lag = Math.Max(0, (member!.FirstAt - opened).TotalMinutes);
                // Its own report is evidence for the part of the incident it explains: a VM that explains two
                // of three symptoms does not outrank the silent hypervisor that explains all three. Members
                // upstream of it that reported after it (a parent's late report) are not symptoms it had to explain.
                var lateAbove = 0;
                if (node < graph.Count)
                    foreach (var a in graph.AncestorsOf(node))
                        if (incident.Members.TryGetValue(a, out var am) && am.FirstAt > member!.FirstAt) lateAbove++;
                var explains = Math.Min(1, (double)k / Math.Max(1, m - lateAbove));
                score += explains * causal * (0.5 + (member!.Down ? 0.3 : 0) + 0.2 * member.MaxScore + 0.5 * Math.Exp(-lag / 2));
            }
            scored.Add(new RootCandidate(incident.CiId(node), score, coverage, reported));
        }
        scored.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Ci, b.Ci));
        if (scored.Count > 1) PreferSilentHeadBelow(scored, incident, graph, m);
        if (scored.Count > 1) DemoteRedundantAncestors(scored, incident, graph, m);
        return scored.Count > max ? scored.GetRange(0, max) : scored;
    }

    /// <summary>
    /// Only a cascade's root may be silent: a failure reaches its dependents through CIs that fail, and
    /// report, on the way. When the top candidate reaches (almost) all the members it explains, itself
    /// apart, through one silent CI below it, that silent CI would have to be a quiet intermediate of its
    /// cascade; it is the better root (a noise event on the core switch during a silent array's cascade).
    /// The best-scored such CI moves to the top. Members it may leave unexplained: fewer than max(1, 5 %);
    /// up to max(1, 5 %) when the top is silent and two or more hops above it (quiet CIs in between).
    /// </summary>
    private static void PreferSilentHeadBelow(List<RootCandidate> scored, Incident incident, CmdbGraph graph, int members)
    {
        if (!graph.TryGetIndex(scored[0].Ci, out var top)) return;
        var explained = incident.Cover[top] - (incident.Members.ContainsKey(top) ? 1 : 0);
        var tolerance = Math.Max(1, 0.05 * members);
        for (var j = 1; j < scored.Count; j++)
        {
            if (scored[j].Reported || !graph.TryGetIndex(scored[j].Ci, out var d)) continue;
            var depth = graph.AncestorsOf(d).IndexOf(top);
            if (depth < 0) continue;
            depth = graph.AncestorDepthsOf(d)[depth];
            // A silent top two or more hops above d would have crossed quiet CIs on the way as well: then one
            // member d does not explain (typically a noise event or another fault's symptom that happens to sit
            // under the wider CI) does not keep the wider CI on top (a silent queue's cascade plus one stray
            // event under its hypervisor). A reporting top keeps the strict tolerance.
            var loose = !scored[0].Reported && depth >= 2;
            var missing = explained - incident.Cover[d];
            if (loose ? missing > tolerance : missing >= tolerance) continue;
            var c = scored[j];
            scored.RemoveAt(j);
            scored.Insert(0, c);
            return;
        }
    }

    /// <summary>
    /// An ancestor of the top candidate that explains no more members than it (the site, the core switch
    /// above a failing array) is a useless alternative: it moves behind the others, so the alternatives
    /// name distinct explanations (a child of the top, or an unrelated CI holding its own cascade).
    /// </summary>
    private static void DemoteRedundantAncestors(List<RootCandidate> scored, Incident incident, CmdbGraph graph, int members)
    {
        if (!graph.TryGetIndex(scored[0].Ci, out var top)) return;
        var kTop = incident.Cover[top];
        var ancestors = new HashSet<int>(graph.AncestorsOf(top).ToArray());
        var tolerance = Math.Max(1, 0.1 * members);
        var keep = new List<RootCandidate> { scored[0] };
        var demoted = new List<RootCandidate>();
        foreach (var c in scored.Skip(1))
        {
            var redundant = graph.TryGetIndex(c.Ci, out var node) && ancestors.Contains(node)
                && incident.Cover[node] - kTop < tolerance;
            (redundant ? demoted : keep).Add(c);
        }
        scored.Clear();
        scored.AddRange(keep);
        scored.AddRange(demoted);
        // The first alternative to a reporting top candidate is its best direct parent: the same symptoms
        // with a silent parent as their root (missing telemetry) is the likeliest other explanation.
        // With several parents (a service on a host that also uses a database), the best two take the next
        // two places.
        if (incident.Members.ContainsKey(top))
        {
            var parents = graph.ParentsOf(top);
            var place = 1;
            for (var j = 1; j < scored.Count && place <= 2; j++)
                if (graph.TryGetIndex(scored[j].Ci, out var c) && parents.Contains(c) && RootCauseRanker.TypePrior(graph[c].Type) >= 0)
                {
                    if (j > place) { var p = scored[j]; scored.RemoveAt(j); scored.Insert(place, p); }
                    place++;
                }
        }
    }

    /// <summary>
    /// Infrastructure that many things share fails "wider" and is a likelier root than what runs on it.
    /// Types are matched by keyword so estates with their own type names still get sensible priors.
    /// </summary>
    internal static double TypePrior(string type)
    {
        var t = type.ToLowerInvariant();
        if (t.Contains("switch") || t.Contains("router") || t.Contains("network") || t.Contains("firewall")) return 0.4;
        if (t.Contains("hypervisor") || t.Contains("storage") || t.Contains("san") || t.Contains("esx")) return 0.35;
        if (t.Contains("database") || t is "db") return 0.3;
        if (t.Contains("load") || t.Contains("lb") || t.Contains("queue") || t.Contains("broker")) return 0.2;
        if (t.Contains("host") || t.Contains("server") || t.Contains("vm")) return 0.15;
        if (t.Contains("service")) return 0.1;
        if (t.Contains("site") || t.Contains("rack") || t.Contains("cluster") || t.Contains("datacenter")) return -0.1;
        return 0;
    }
}
