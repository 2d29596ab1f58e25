using Aiops.Analytics.Cmdb;

namespace Aiops.Analytics.Correlation;

/// <summary>A ranked root-cause candidate. <see cref="Reported"/> is false for an inferred CI that sent no event.</summary>
public sealed record RootCandidate(string Ci, double Score, double Coverage, bool Reported);

/// <summary>What <see cref="Correlator.Add"/> did with one event.</summary>
/// <param name="Merged">Incidents folded into <see cref="IncidentId"/> by this event (their events now belong to it).</param>
/// <param name="Reason">Why: opened, sameci, upstream, downstream, sibling, reopened, orphan, neighbour or
/// lostrelation (a CI missing a relation its type usually has joined the cascade of that parent type).</param>
/// <param name="MergedVia">The CI under which the merged fragments sat, when <paramref name="Merged"/> is not empty.</param>
/// <param name="ViaCi">The CI that linked the event to the incident (the reporting parent or shared ancestor), if any.</param>
public sealed record CorrelationAssignment(string EventId, string IncidentId, bool Opened, bool Reopened, IReadOnlyList<string> Merged,
    string Reason = "opened", string? ViaCi = null, string? MergedVia = null);

/// <summary>
/// An incident built by <see cref="Correlator"/>: its events, member CIs and, per CI of the graph that
/// covers a member, how many member CIs it covers (the evidence for root-cause ranking and joins).
/// </summary>
/// <remarks>Mutated only by its correlator (single writer); read it between <c>Add</c> calls.</remarks>
public sealed class Incident
{
    internal sealed class Member(DateTimeOffset firstAt)
    {
        public DateTimeOffset FirstAt = firstAt;
        public DateTimeOffset LastAt = firstAt;
        public double MaxScore;
        public bool Down;
        public int Events;
    }

    private readonly CmdbGraph _graph;
    private readonly List<string> _events = [];
    internal readonly Dictionary<int, Member> Members = [];
    internal readonly Dictionary<int, int> Cover = [];

    /// <summary>Per covering CI, the last event time of a member under it: joins look at the activity
    /// near the newcomer, not at the incident as a whole, so a long incident does not swallow the estate.</summary>
    internal readonly Dictionary<int, DateTimeOffset> CoverLast = [];

    /// <summary>Per covering CI, member CIs that joined under it, decayed with a half-life (set by the
    /// correlator): the "how much of this subtree is failing right now" evidence for storms.</summary>
    internal readonly Dictionary<int, (double Value, DateTimeOffset At)> CoverRecent = [];

    internal TimeSpan RecentHalfLife = TimeSpan.FromMinutes(10);

    internal double RecentCover(int node, DateTimeOffset now) =>
        CoverRecent.TryGetValue(node, out var r) ? r.Value * Math.Pow(0.5, Math.Max(0, (now - r.At).TotalSeconds) / RecentHalfLife.TotalSeconds) : 0;

    /// <summary>Key of the decayed count of all members in <see cref="CoverRecent"/>.</summary>
    internal const int AllMembers = -1;

    /// <summary>Share of the recently joined members that depend on <paramref name="node"/> (or are it).</summary>
    internal double RecentCoverage(int node, DateTimeOffset now)
    {
        var all = RecentCover(AllMembers, now);
        return all <= 1e-9 ? 0 : Math.Min(1, RecentCover(node, now) / all);
    }

    private void Bump(int node, DateTimeOffset t, double by = 1)
    {
        var v = RecentCover(node, t);
        CoverRecent[node] = (v + by, CoverRecent.TryGetValue(node, out var r) && r.At > t ? r.At : t);
    }
    private IReadOnlyList<RootCandidate>? _ranking;

    private readonly Func<int, string> _ciId;

    internal Incident(string id, CmdbGraph graph, Func<int, string> ciId, DateTimeOffset openedAt)
    {
        Id = id;
        _graph = graph;
        _ciId = ciId;
        OpenedAt = openedAt;
        LastEventAt = openedAt;
        BurstStart = openedAt;
        ActiveUntil = openedAt;
    }

    public string Id { get; }
    public DateTimeOffset OpenedAt { get; private set; }
    public DateTimeOffset LastEventAt { get; private set; }

    /// <summary>First event after the last quiet spell longer than <see cref="BurstGap"/> (or the opening):
    /// where the incident's current burst of symptoms began.</summary>
    internal DateTimeOffset BurstStart { get; private set; }

    /// <summary>Member CIs the incident had when its current burst began (0 for the opening burst).</summary>
    internal int MembersBeforeBurst { get; private set; }

    /// <summary>Events in the current burst.</summary>
    private int _burstEvents;

    /// <summary>Last event of a burst of at least two events (or the opening event): when the incident was last
    /// really active. A lone event after a quiet spell (noise on a member) does not move it, so isolated
    /// events cannot chain the flap window from one fault to the next fault on the same CI hours later.</summary>
    internal DateTimeOffset ActiveUntil { get; private set; }

    /// <summary>Cascades emit events every few seconds; five quiet minutes end a burst.</summary>
    internal static readonly TimeSpan BurstGap = TimeSpan.FromMinutes(5);

    /// <summary>Time of the last event once the quiet gap passed; null while open.</summary>
    public DateTimeOffset? ResolvedAt { get; internal set; }

    /// <summary>Set when this incident was folded into another one; it then holds no events of its own.</summary>
    public string? MergedInto { get; internal set; }

    public IReadOnlyList<string> EventIds => _events;

    public int MemberCount => Members.Count;

    public IEnumerable<string> MemberCis => Members.Keys.Select(CiId);

    internal string CiId(int node) => _ciId(node);

    internal void Add(CorrelationEvent e, int node, ReadOnlySpan<int> ancestors)
    {
        _ranking = null;
        _events.Add(e.Id);
        if (e.Time - LastEventAt > BurstGap) { BurstStart = e.Time; MembersBeforeBurst = Members.Count; _burstEvents = 0; }
        if (++_burstEvents >= 2 && e.Time > ActiveUntil) ActiveUntil = e.Time;
        if (e.Time > LastEventAt) LastEventAt = e.Time;
        if (e.Time < OpenedAt) OpenedAt = e.Time;
        if (!Members.TryGetValue(node, out var m))
        {
            _rootLike = -2;
            Members[node] = m = new Member(e.Time);
            Cover[node] = Cover.GetValueOrDefault(node) + 1;
            Bump(node, e.Time);
            Bump(AllMembers, e.Time);
            foreach (var a in ancestors) { Cover[a] = Cover.GetValueOrDefault(a) + 1; Bump(a, e.Time); }
        }
        if (e.Time < m.FirstAt) m.FirstAt = e.Time;
        if (e.Time > m.LastAt) m.LastAt = e.Time;
        UpdateTopReporter(node, ancestors);
        Touch(node, e.Time);
        foreach (var a in ancestors) Touch(a, e.Time);
        m.Events++;
        m.MaxScore = Math.Max(m.MaxScore, e.Score);
        m.Down |= e.Kind == EventKind.Down;
    }

    internal void Absorb(Incident other, Func<int, ReadOnlySpan<int>> ancestorsOf)
    {
        _ranking = null;
        _rootLike = -2;
        _events.AddRange(other._events);
        if (other.OpenedAt < OpenedAt) OpenedAt = other.OpenedAt;
        if (other.LastEventAt > LastEventAt) LastEventAt = other.LastEventAt;
        if (other.ActiveUntil > ActiveUntil) ActiveUntil = other.ActiveUntil;
        foreach (var (node, om) in other.Members)
        {
            if (!Members.TryGetValue(node, out var m))
            {
                Members[node] = m = new Member(om.FirstAt);
                Cover[node] = Cover.GetValueOrDefault(node) + 1;
                Bump(node, om.FirstAt);
                Bump(AllMembers, om.FirstAt);
                foreach (var a in ancestorsOf(node)) { Cover[a] = Cover.GetValueOrDefault(a) + 1; Bump(a, om.FirstAt); }
            }
            if (om.FirstAt < m.FirstAt) m.FirstAt = om.FirstAt;
            if (om.LastAt > m.LastAt) m.LastAt = om.LastAt;
            m.Events += om.Events;
            m.MaxScore = Math.Max(m.MaxScore, om.MaxScore);
            m.Down |= om.Down;
        }
        foreach (var node in Members.Keys) UpdateTopReporter(node, ancestorsOf(node));
        foreach (var (node, t) in other.CoverLast) Touch(node, t);
        foreach (var (node, t) in other.CoverFirst) Touch(node, t);
        other._events.Clear();
    }

    private int _rootLike = -2;

    /// <summary>The CI with the smallest dependency closure that covers at least <paramref name="share"/> of
    /// the members (ties: more members covered), or -1; cached until the members change.</summary>
    internal int RootLike(double share)
    {
        if (_rootLike != -2) return _rootLike;
        var need = Math.Max(1, share * Members.Count);
        int best = -1, bestSize = int.MaxValue, bestK = 0;
        foreach (var (c, k) in Cover)
        {
            if (k < need) continue;
            var size = c < _graph.Count ? _graph.ClosureSize(c) : 1;
            if (size < bestSize || (size == bestSize && k > bestK)) { best = c; bestSize = size; bestK = k; }
        }
        return _rootLike = best;
    }

    /// <summary>Per covering CI, the first event time of a member under it (the onset seen from there).</summary>
    internal readonly Dictionary<int, DateTimeOffset> CoverFirst = [];

    /// <summary>The reporting member that covers most members (a credible root of its own), or -1.</summary>
    internal int TopReporter { get; private set; } = -1;

    private void UpdateTopReporter(int node, ReadOnlySpan<int> ancestors)
    {
        var best = TopReporter >= 0 ? Cover[TopReporter] : 0;
        if (Cover[node] > best) { TopReporter = node; best = Cover[node]; }
        foreach (var a in ancestors)
            if (Members.ContainsKey(a) && Cover[a] > best) { TopReporter = a; best = Cover[a]; }
    }

    private void Touch(int node, DateTimeOffset t)
    {
        if (!CoverLast.TryGetValue(node, out var last) || t > last) CoverLast[node] = t;
        if (!CoverFirst.TryGetValue(node, out var first) || t < first) CoverFirst[node] = t;
    }

    /// <summary>
    /// Root-cause candidates, best first (at most <paramref name="max"/>). Every member CI and every CI
    /// upstream of a member is a candidate; see <see cref="RootCauseRanker"/> for the scoring.
    /// </summary>
    public IReadOnlyList<RootCandidate> RankRootCauses(int max = 5)
    {
        if (_ranking is not null && _ranking.Count >= Math.Min(max, Cover.Count)) return _ranking.Take(max).ToList();
        _ranking = RootCauseRanker.Rank(this, _graph, max);
        return _ranking;
    }
}
