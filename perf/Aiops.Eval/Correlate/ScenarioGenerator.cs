using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;

namespace Aiops.Eval.Correlate;

/// <summary>Knobs of one scenario family. Shares are per fault.</summary>
public sealed record ScenarioFamily(
    string Name,
    int Cis,
    int Faults,
    double NoiseShare,
    double SpanHours,
    double MissingRootShare = 0.1,
    double FlapShare = 0.05,
    double OverlapShare = 0.1,
    int Storms = 0,
    double DropRelationShare = 0.02)
{
    /// <summary>The families written by <c>correlate generate</c>.</summary>
    public static IReadOnlyList<ScenarioFamily> Defaults { get; } =
    [
        new("small", 150, 10, 0.15, 12),
        new("storm", 900, 25, 0.15, 24, Storms: 2),
        new("overlap", 700, 40, 0.15, 12, OverlapShare: 0.7),
        new("missing-root", 700, 40, 0.15, 24, MissingRootShare: 0.7),
        new("flapping", 500, 30, 0.15, 24, FlapShare: 0.5),
        new("large", 3000, 420, 0.15, 24 * 7, Storms: 1),
    ];
}

/// <summary>A generated scenario: the (lossy) exported CMDB, the events and the ground truth.</summary>
public sealed record Scenario(
    CmdbDocument Cmdb,
    IReadOnlyList<CorrelationEvent> Events,
    IReadOnlyDictionary<string, string?> FaultOfEvent,
    IReadOnlyDictionary<string, string> RootOfFault);

/// <summary>
/// Simulates fault cascades on a generated estate: a root CI fails, the failure travels downstream
/// (dependents) hop by hop with per-fault partial propagation and per-hop delays; each affected CI
/// reports 1-3 events. Adds flapping roots, roots with missing telemetry, overlapping independent
/// faults, switch storms and isolated noise. The CMDB written out drops a share of relations.
/// </summary>
public static class ScenarioGenerator
{
    private static readonly DateTimeOffset Epoch = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static Scenario Generate(ScenarioFamily family, int seed)
    {
        var rng = new Random(seed);
        var full = EstateGenerator.Build(family.Cis, rng);
        var graph = new CmdbGraph(full);
        var events = new List<(DateTimeOffset Time, string Ci, string Series, double Score, EventKind Kind, string? Fault)>();
        var roots = new Dictionary<string, string>();
        var span = TimeSpan.FromHours(family.SpanHours);

        var byType = Enumerable.Range(0, graph.Count).GroupBy(i => graph[i].Type).ToDictionary(g => g.Key, g => g.ToList());
        List<int> Of(string t) => byType.TryGetValue(t, out var l) ? l : [];
        var telemetry = Enumerable.Range(0, graph.Count).Where(i => graph[i].Type is not ("site" or "rack")).ToList();

        int PickRoot(bool needsChildren)
        {
            for (var attempt = 0; ; attempt++)
            {
                var roll = rng.NextDouble();
                var pool = roll switch
                {
                    < 0.12 => Of("network-switch").Where(i => graph[i].Attributes.GetValueOrDefault("role") != "core").ToList(),
                    < 0.30 => Of("hypervisor"),
                    < 0.38 => Of("storage"),
                    < 0.53 => Of("database"),
                    < 0.68 => Of("host"),
                    < 0.75 => Of("queue"),
                    < 0.82 => Of("load-balancer"),
                    _ => Of("service"),
                };
                if (pool.Count == 0) continue;
                var r = pool[rng.Next(pool.Count)];
                if (needsChildren && graph.ChildrenOf(r).Length < 2 && attempt < 50) continue;
                return r;
            }
        }

        var faultNo = 0;
        var placed = new List<(int Root, DateTimeOffset Start, HashSet<string> Impact)>();
        HashSet<string> ImpactOf(int r) => new(graph.Impact(graph[r].Id)) { graph[r].Id };
        // A fault whose root sits inside (or above) another fault's failing subtree at the same time is
        // indistinguishable from that fault's own cascade, so concurrent faults are kept separable: no
        // shared root or nesting within two hours of each other. Storms are exempt (placed first).
        bool Separable(int r, DateTimeOffset t0)
        {
            var id = graph[r].Id;
            foreach (var (other, start, impact) in placed)
                if ((start - t0).Duration() < TimeSpan.FromHours(2) && (impact.Contains(id) || graph.Impact(id).Contains(graph[other].Id) || other == r))
                    return false;
            return true;
        }
        void Cascade(int root, DateTimeOffset t0, bool missingRoot, bool flap, double propagation)
        {
            placed.Add((root, t0, ImpactOf(root)));
            var fid = $"f{++faultNo:0000}";
            roots[fid] = graph[root].Id;
            var cycles = flap ? 3 + rng.Next(4) : 1;
            var t = t0;
            // Affected set is fixed per fault (the same dependents suffer on every flap).
            var affected = new List<(int Ci, double Delay, bool Down, int Depth)> { (root, 0, rng.NextDouble() < DownChance(graph[root].Type), 0) };
            var seen = new HashSet<int> { root };
            for (var head = 0; head < affected.Count && affected.Count < 1500; head++)
            {
                var (ci, delay, down, depth) = affected[head];
                if (depth >= 4) continue;
                foreach (var child in graph.ChildrenOf(ci))
                {
                    if (!seen.Add(child)) continue;
                    var type = graph[child].Type;
                    if (type is "site" or "rack") continue;
                    // Propagation weakens with distance: redundancy and retries absorb more of it.
                    if (rng.NextDouble() > propagation * Math.Pow(0.75, depth)) continue;
                    // A dead hypervisor or switch takes its VMs/hosts down; others degrade.
                    var childDown = down && rng.NextDouble() < 0.7 && type is "host" or "hypervisor" or "network-switch" or "storage";
                    affected.Add((child, delay + 5 + rng.NextDouble() * 85, childDown, depth + 1));
                }
            }
            if (rng.NextDouble() < 0.25 && graph[root].Type is "storage" or "database" or "host")
            {
                // Early warning: capacity prediction on the root some minutes before it fails.
                if (!missingRoot)
                    events.Add((t0 - TimeSpan.FromMinutes(3 + rng.NextDouble() * 9), graph[root].Id, "disk.used_percent", 0.6 + rng.NextDouble() * 0.3, EventKind.Prediction, fid));
            }
            for (var c = 0; c < cycles; c++)
            {
                foreach (var (ci, delay, down, _) in affected)
                {
                    if (ci == root && missingRoot) continue;
                    if (c > 0 && ci != root && rng.NextDouble() < 0.5) continue;
                    var n = ci == root ? 1 + rng.Next(2) : 1 + (rng.NextDouble() < 0.35 ? 1 : 0) + (rng.NextDouble() < 0.1 ? 1 : 0);
                    var type = graph[ci].Type;
                    for (var k = 0; k < n; k++)
                    {
                        var kind = k == 0 && down ? EventKind.Down : EventKind.Anomaly;
                        var score = ci == root ? 0.75 + rng.NextDouble() * 0.25 : 0.45 + rng.NextDouble() * 0.5;
                        events.Add((t + TimeSpan.FromSeconds(delay + rng.NextDouble() * 40 + k * 15), graph[ci].Id, SeriesFor(type, kind, rng), score, kind, fid));
                    }
                }
                t += TimeSpan.FromMinutes(6 + rng.NextDouble() * 14);
            }
        }

        // Fault onsets spread over the span; overlapping faults start within 3 minutes of another one
        // in a different rack so they stay separable by topology.
        var plain = family.Faults;
        for (var s = 0; s < family.Storms; s++)
        {
            var cores = Of("network-switch").Where(i => graph[i].Attributes.GetValueOrDefault("role") == "core").ToList();
            var tors = Of("network-switch").Where(i => graph[i].Attributes.GetValueOrDefault("role") != "core").ToList();
            var sw = s % 2 == 0 && cores.Count > 0 ? cores[rng.Next(cores.Count)] : tors[rng.Next(tors.Count)];
            var t0 = Epoch + span * (0.2 + 0.6 * rng.NextDouble());
            Cascade(sw, t0, missingRoot: false, flap: false, propagation: 0.85);
            // An independent fault during the storm, outside the switch's subtree if one exists.
            var impact = new HashSet<string>(graph.Impact(graph[sw].Id)) { graph[sw].Id };
            var other = Enumerable.Range(0, 20).Select(_ => PickRoot(true)).FirstOrDefault(r => !impact.Contains(graph[r].Id) && Separable(r, t0), -1);
            if (other >= 0) { Cascade(other, t0 + TimeSpan.FromSeconds(rng.Next(30, 240)), false, false, 0.8); plain--; }
            plain--;
        }
        while (plain > 0)
        {
            var t0 = Epoch + span * rng.NextDouble();
            var missing = rng.NextDouble() < family.MissingRootShare;
            var root = PickRoot(missing);
            for (var attempt = 0; attempt < 50 && !Separable(root, t0); attempt++)
            {
                t0 = Epoch + span * rng.NextDouble();
                root = PickRoot(missing);
            }
            Cascade(root, t0, missing, rng.NextDouble() < family.FlapShare, 0.6 + rng.NextDouble() * 0.35);
            plain--;
            if (plain > 0 && rng.NextDouble() < family.OverlapShare)
            {
                // Independent means neither fault's subtree holds the other's root: a second fault inside
                // a failing subtree is indistinguishable from the first one's cascade.
                var rootRack = RackOf(graph, root);
                var rootImpact = new HashSet<string>(graph.Impact(graph[root].Id)) { graph[root].Id };
                var other = Enumerable.Range(0, 30).Select(_ => PickRoot(false)).FirstOrDefault(r => RackOf(graph, r) != rootRack
                    && !rootImpact.Contains(graph[r].Id) && Separable(r, t0), -1);
                if (other >= 0)
                {
                    Cascade(other, t0 + TimeSpan.FromSeconds(rng.Next(0, 180)), rng.NextDouble() < family.MissingRootShare && graph.ChildrenOf(other).Length >= 2, false, 0.6 + rng.NextDouble() * 0.35);
                    plain--;
                }
            }
        }

        // Isolated noise: NoiseShare of the final event count.
        var faultEvents = events.Count;
        var noise = (int)(faultEvents * family.NoiseShare / (1 - family.NoiseShare));
        for (var i = 0; i < noise; i++)
        {
            var ci = telemetry[rng.Next(telemetry.Count)];
            var kind = rng.NextDouble() < 0.15 ? EventKind.Prediction : EventKind.Anomaly;
            events.Add((Epoch + span * rng.NextDouble(), graph[ci].Id, SeriesFor(graph[ci].Type, kind, rng), 0.4 + rng.NextDouble() * 0.5, kind, null));
        }

        events.Sort((x, y) => x.Time.CompareTo(y.Time));
        var list = new List<CorrelationEvent>(events.Count);
        var truth = new Dictionary<string, string?>(events.Count, StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var id = $"e{i + 1:000000}";
            list.Add(new CorrelationEvent(id, new DateTimeOffset(e.Time.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero), e.Ci, e.Series, Math.Round(e.Score, 3), e.Kind));
            truth[id] = e.Fault;
        }

        // Real CMDBs miss relations: drop a share of the non-membership ones.
        var kept = full.Relations.Where(r => r.Type == RelationType.MemberOf || rng.NextDouble() >= family.DropRelationShare).ToList();
        return new Scenario(full with { Relations = kept }, list, truth, roots);
    }

    private static string? RackOf(CmdbGraph g, int ci)
    {
        foreach (var a in g.AncestorsOf(ci)) if (g[a].Type == "rack") return g[a].Id;
        return null;
    }

    private static double DownChance(string type) => type switch
    {
        "network-switch" or "hypervisor" or "host" => 0.75,
        "storage" or "load-balancer" => 0.4,
        _ => 0.15,
    };

    private static string SeriesFor(string type, EventKind kind, Random rng)
    {
        if (kind == EventKind.Down) return "ping.reachable";
        string[] options = type switch
        {
            "network-switch" => ["if.errors", "if.discards", "cpu.usage_active"],
            "hypervisor" => ["cpu.ready", "mem.balloon", "cpu.usage_active"],
            "storage" => ["io.latency_ms", "disk.used_percent", "iops"],
            "host" => ["cpu.usage_active", "mem.used_percent", "disk.used_percent", "net.errors"],
            "database" => ["db.latency_ms", "db.connections", "db.deadlocks"],
            "queue" => ["queue.depth", "queue.consumers"],
            "load-balancer" => ["lb.5xx_rate", "lb.backend_down"],
            _ => ["http.latency_p99", "http.error_rate", "http.requests"],
        };
        return options[rng.Next(options.Length)];
    }
}
