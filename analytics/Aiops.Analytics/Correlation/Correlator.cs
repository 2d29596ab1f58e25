using Aiops.Analytics.Cmdb;

namespace Aiops.Analytics.Correlation;

/// <summary>
/// Streaming event correlation over a CMDB graph (DESIGN §7). Events arrive in time order;
/// <see cref="Add"/> puts each into an incident and says which. An event joins an active incident when:
/// <list type="bullet">
/// <item>its CI already is a member (flapping, repeated symptoms) or a resolved incident of that CI is
/// within <see cref="CorrelatorOptions.FlapWindow"/> (the incident reopens);</item>
/// <item>its CI depends on a member that reported (parent/child suppression: a down switch's or
/// hypervisor's whole subtree joins its incident), or members depend on its CI (a late root);</item>
/// <item>its CI shares a silent ancestor with members, and either an independent onset under that ancestor
/// is unlikely within the window (Poisson coincidence test with the observed onset rate) or the ancestor's
/// dependents are symptomatic in a large share (storms whose root has no telemetry).</item>
/// </list>
/// Fragments that one silent ancestor explains are merged. CIs that lost their upstream relations fall
/// back on time plus shared neighbours (a shared container such as a rack) or, when the CMDB's own relation
/// schema says a relation is missing (a VM without a hypervisor), on a failing CI of the missing parent's type.
/// Failures travel hop by hop, so a reporting anomaly explains dependents only within
/// <see cref="CorrelatorOptions.PropagationWindow"/> and two hops, and only a cascade's root may be silent.
/// </summary>
/// <remarks>
/// Work per event is bounded by the CI's ancestor list (<see cref="CmdbGraph.MaxAncestorDepth"/>) times the
/// active incidents indexed under those ancestors. Not thread-safe: one writer (a grain or the eval loop).
/// </remarks>
public sealed class Correlator
{
    private readonly CmdbGraph _graph;
    private readonly CorrelatorOptions _options;
    private readonly List<Incident> _all = [];
    private readonly List<Incident> _active = [];
    private readonly Dictionary<int, List<Incident>> _byNode = [];
    private readonly Dictionary<int, Incident> _recentlyResolvedByCi = [];
    private readonly Dictionary<string, int> _extra = new(StringComparer.Ordinal);
    private readonly List<string> _extraIds = [];
    private DateTimeOffset? _start;
    private DateTimeOffset _now;
    private int _opened;
    private int _cascades;
    private int _merged;
    private readonly long[] _counters = new long[Enum.GetValues<JoinReason>().Length];
    private int _nextId;

    public Correlator(CmdbGraph graph, CorrelatorOptions? options = null)
    {
        _graph = graph ?? throw new ArgumentNullException(nameof(graph));
        _options = options ?? new CorrelatorOptions();
        _wantedParentTypes = LearnMissingRelations(graph);
    }

    /// <summary>Per CI, the types of parent it most likely lost from the CMDB (null: nothing missing).</summary>
    private readonly string[]?[] _wantedParentTypes;

    private const double SchemaShare = 0.9;
    private const int SchemaMinPeers = 10;

    /// <summary>
    /// Learns the estate's relation schema from the CMDB itself: when at least 90 % of the CIs of a type
    /// (10 or more) have an upstream relation of some type, mostly towards one type of CI (a VM runs on a
    /// hypervisor, a service depends on a database), a CI of that type without such a relation probably
    /// lost it from the export. Such CIs get a fallback on time plus the missing parent's type.
    /// </summary>
    private static string[]?[] LearnMissingRelations(CmdbGraph g)
    {
        var result = new string[]?[g.Count];
        var byType = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < g.Count; i++)
        {
            if (!byType.TryGetValue(g[i].Type, out var l)) byType[g[i].Type] = l = [];
            l.Add(i);
        }
        foreach (var (_, members) in byType)
        {
            if (members.Count < SchemaMinPeers) continue;
            foreach (var rel in Enum.GetValues<RelationType>())
            {
                if (rel == RelationType.MemberOf) continue;
                var have = 0;
                var targetTypes = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var m in members)
                {
                    var found = false;
                    var types = g.ParentTypesOf(m);
                    var parents = g.ParentsOf(m);
                    for (var j = 0; j < types.Length; j++)
                        if (types[j] == rel) { found = true; var tt = g[parents[j]].Type; targetTypes[tt] = targetTypes.GetValueOrDefault(tt) + 1; }
                    if (found) have++;
                }
                if (have < SchemaShare * members.Count) continue;
                var wanted = targetTypes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
                // Other relation types among the CIs that have this one: a CI whose own upstream relation is of
                // a type almost none of them has (a physical server connected to its switch among VMs that run
                // on hypervisors) is another kind of CI under the same type name, not one that lost a relation.
                var otherRel = new int[Enum.GetValues<RelationType>().Length];
                foreach (var m in members)
                {
                    var types = g.ParentTypesOf(m);
                    if (types.IndexOf(rel) < 0) continue;
                    foreach (var t in types.ToArray().Distinct()) otherRel[(int)t]++;
                }
                foreach (var m in members)
                {
                    var found = false;
                    var otherKind = false;
                    foreach (var t in g.ParentTypesOf(m))
                    {
                        found |= t == rel;
                        otherKind |= t != RelationType.MemberOf && otherRel[(int)t] < (1 - SchemaShare) * have;
                    }
                    if (!found && !otherKind) result[m] = [.. result[m] ?? [], wanted];
                }
                // The same for the number of such relations: when nearly all of them (90 %) have exactly k ≥ 2
                // (a load balancer over four services), one with fewer lost some, although it keeps the kind.
                var degrees = new Dictionary<int, int>();
                foreach (var m in members)
                {
                    var k = 0;
                    foreach (var t in g.ParentTypesOf(m)) if (t == rel) k++;
                    if (k > 0) degrees[k] = degrees.GetValueOrDefault(k) + 1;
                }
                var top = degrees.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).FirstOrDefault();
                var usual = top.Key;
                if (usual >= 2 && top.Value >= SchemaShare * have)
                    foreach (var m in members)
                    {
                        var k = 0;
                        foreach (var t in g.ParentTypesOf(m)) if (t == rel) k++;
                        if (k > 0 && k < usual && (result[m] is null || Array.IndexOf(result[m]!, wanted) < 0)) result[m] = [.. result[m] ?? [], wanted];
                    }
            }
        }
        return result;
    }

    /// <summary>
    /// A CI that lost an upstream relation (per the learned schema) joins the active incident where a CI of
    /// the missing parent's type started failing within <see cref="CorrelatorOptions.OrphanWindow"/> (×2)
    /// before it: the most recent such onset.
    /// </summary>
    private void OfferLostParent(int node, DateTimeOffset t, Action<Incident, int> offer)
    {
        var (best, via) = FindLostParent(node, t, null);
        if (best is not null) offer(best, via);
    }

    /// <param name="onset">For a fragment's head: its first symptom. The parent's failure must then have begun
    /// within the window before it, or at most <see cref="CorrelatorOptions.MinOnsetSpan"/> after it (detection
    /// jitter): a cause precedes its effects.</param>
    private (Incident? Incident, int Via) FindLostParent(int node, DateTimeOffset t, Incident? exclude, DateTimeOffset? onset = null)
    {
        if (node >= _graph.Count || _wantedParentTypes[node] is not { } wanted) return (null, -1);
        var window = _options.OrphanWindow * 2;
        // A CI of that type that itself reports beats a silent one that merely covers members (every
        // incident covers some switch); a silent one needs several recent members under it. Then the most
        // recent onset.
        Incident? best = null;
        var bestKey = (Reported: false, At: DateTimeOffset.MinValue);
        var via = -1;
        foreach (var i in _active)
        {
            if (i == exclude || t - i.LastEventAt > window) continue;
            foreach (var (c, firstUnder) in i.CoverFirst)
            {
                if (c >= _graph.Count || Array.IndexOf(wanted, _graph[c].Type) < 0) continue;
                // The parent is failing now: it reported recently itself (a flapping root reports again in
                // each cycle), or symptoms under it began recently.
                var reported = i.Members.TryGetValue(c, out var m) && t - m.LastAt <= window;
                var first = reported ? m!.LastAt : firstUnder;
                if (t - first > window || first > t) continue;
                if (onset is { } o && (o - first > window || first - o > _options.MinOnsetSpan)) continue;
                if (!reported && i.RecentCover(c, t) < 2) continue;
                if (best is not null && (bestKey.Reported && !reported || (bestKey.Reported == reported && first <= bestKey.At))) continue;
                best = i; bestKey = (reported, first); via = c;
            }
        }
        return (best, via);
    }

    /// <summary>Every incident created so far (merged ones included, with <see cref="Incident.MergedInto"/> set).</summary>
    public IReadOnlyList<Incident> Incidents => _all;

    /// <summary>Incidents that still take events.</summary>
    public IReadOnlyList<Incident> Active => _active;

    /// <summary>Events handled per decision path, plus fragments merged (for diagnostics and metrics).</summary>
    public string CountersText => string.Join(' ', Enum.GetValues<JoinReason>().Select(r => $"{r}={_counters[(int)r]}")) + $" merged={_merged}";

    private enum JoinReason { Opened, SameCi, Upstream, Downstream, Sibling, Reopened, Orphan, Neighbour, LostRelation }

    public CorrelationAssignment Add(CorrelationEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        _start ??= evt.Time;
        // Late events are accepted; the clock only moves forward so incidents never un-resolve by time.
        if (evt.Time > _now) { _now = evt.Time; ResolveQuiet(); ExpireVirtualParents(); }
        var node = NodeOf(evt.Ci);
        var ancestors = Lineage(node, out var depths);
        var t = evt.Time;

        Incident? best = null;
        double bestScore = double.MinValue;
        var reason = JoinReason.Opened;
        var link = -1;
        void Offer(Incident i, double score, int via, JoinReason why, int linkNode)
        {
            if (score > bestScore) { best = i; bestScore = score; reason = why; link = linkNode; }
        }

        // 1. Same CI, or CI upstream of members (its event explains theirs).
        if (_byNode.TryGetValue(node, out var direct))
            foreach (var i in direct)
            {
                if (i.Members.TryGetValue(node, out var self))
                {
                    // A root-like member (it covers most of the incident) keeps its incident for the flap
                    // window: a flapping root returns after quiet spells longer than the join gap.
                    // Victims of a flapping root (reporting or silent) fail again with it, so a member under
                    // the incident's root-like CI keeps it for the flap window too.
                    // A CI that the topology cannot place (no upstream relation but containers) joined on timing;
                    // when its incident is unfolding again right now (a flapping root's next cycle), it rejoins
                    // for the flap window like the victims under the root.
                    var window = UnderRootLike(i, node, ancestors) || (LooksOrphaned(node) && t - i.LastEventAt <= _options.OrphanWindow)
                        ? _options.FlapWindow : _options.JoinGap;
                    // Fades with age so a fresher, more specific explanation (a parent that just went down)
                    // wins over an old membership from an unrelated problem.
                    // A victim's membership fades within minutes (a CI under two concurrent faults follows the
                    // parent that failed most recently); the incident's root keeps its incident while it flaps.
                    var fade = i.RootLike(_options.FragmentCoverage) == node ? 20 : 100;
                    // A CI with two parents under two concurrent faults: when a direct parent began failing in
                    // another incident after this CI's last symptom here, and recently enough to have caused this
                    // one, the new symptom is that parent's effect. The membership then ranks below the
                    // parent/child rule, which decides with its own credibility tests.
                    var sameScore = 1000 - fade * (t - self.LastAt).TotalMinutes;
                    if (HasFreshParentElsewhere(i, node, self.LastAt, t)) sameScore -= FreshParentPenalty;
                    if (t - self.LastAt <= window) Offer(i, sameScore, -1, JoinReason.SameCi, node);
                }
                // A late root reports shortly after its first symptoms; an upstream CI whose event comes long
                // after the symptoms under it began is more likely a new fault of its own.
                else if (t - i.CoverLast[node] <= _options.JoinGap && t - i.CoverFirst[node] <= _options.LateRootWindow
                    && i.RecentCoverage(node, t) >= _options.MinUpstreamCoverage && !ExplainedElsewhere(i, node, t))
                {
                    // Among several incidents under this CI, the one whose symptoms began closest to now.
                    Offer(i, 500 - (t - i.CoverFirst[node]).TotalMinutes, -1, JoinReason.Upstream, node);
                }
            }

        // 2. Downstream of a reporting member, or sibling through a silent shared ancestor.
        var lambda = OnsetRate();
        for (var k = 0; k < ancestors.Length; k++)
        {
            var a = ancestors[k];
            if (!_byNode.TryGetValue(a, out var list)) continue;
            var n = _graph.ClosureSize(a);
            foreach (var i in list)
            {
                var share = (i.RecentCover(a, t) + 1.0) / n;
                // For a silent shared ancestor the question is whether an independent onset somewhere under
                // it would land this close to the incident's onset there: cascades are tight in time, while
                // a long incident would otherwise attract every later fault of its subtree.
                var sinceOnset = Math.Max(_options.MinOnsetSpan.TotalSeconds, (t - i.CoverFirst[a]).TotalSeconds);
                var siblingCoincidence = 1 - Math.Exp(-lambda * n * sinceOnset);
                if (i.Members.TryGetValue(a, out var reporter))
                {
                    // Parent/child suppression lasts while the parent itself keeps reporting.
                    var age = t - reporter.LastAt;
                    // A reporting upstream CI explains its dependents only if its own event is credible
                    // as a failure: it is down, its subtree is small enough that independent onsets under
                    // it are rare, or its subtree is visibly failing. Otherwise one noisy anomaly on a core
                    // switch would swallow every independent fault of the site.
                    var sinceReport = Math.Max(_options.MinOnsetSpan.TotalSeconds, (t - reporter.LastAt).TotalSeconds);
                    var reporterCoincidence = 1 - Math.Exp(-lambda * n * sinceReport);
                    // A failure reaches dependents hop by hop, and the CIs in between usually report too: an
                    // anomaly (not down) several hops up with quiet CIs in between is a weak explanation (a
                    // noisy anomaly on a core switch is not why a VM went down). Up to one quiet hop is
                    // tolerated (late or flapping intermediates); a down CI explains its whole subtree.
                    var reachable = depths[k] <= 2 || reporter.Down;
                    // A CI with several failing parents goes with the one that reported most recently: its
                    // failure is the fresher explanation (multi-parent CIs between concurrent faults).
                    // A failure crosses one hop in seconds to a couple of minutes: a parent whose last anomaly is
                    // older than the propagation window did not just cause this CI's symptom. Down is a state,
                    // not a blip: a dead parent explains its dependents for the whole join gap.
                    if (reachable && age <= (reporter.Down ? _options.JoinGap : _options.PropagationWindow) && (reporter.Down || reporterCoincidence <= _options.ReporterCoincidenceLimit || share >= _options.StormShare))
                        Offer(i, 800 - 10 * depths[k] - 2 * age.TotalMinutes, -1, JoinReason.Downstream, a);
                    continue;
                }
                if (t - i.CoverLast[a] > _options.SiblingWindow || i.RecentCoverage(a, t) < _options.MinRootCoverage) continue;
                // An incident already explained by a reporting CI that is not above this event (a down
                // hypervisor over its VMs) does not take siblings through a higher silent ancestor: that would
                // replace a credible root by a guess. Simultaneous cascades are merged later instead.
                // Exception: both this CI and that reporter depend directly on the silent ancestor and failed
                // within one propagation window. Two direct dependents of one CI failing together is the signature of that CI failing silently
                // (a database without telemetry and two of its services), and the coincidence test below
                // still applies.
                if (i.TopReporter >= 0 && i.TopReporter != a
                    && i.RecentCoverage(i.TopReporter, t) >= _options.FragmentCoverage
                    && !(depths[k] == 1 && !IsContainer(a) && t - i.CoverFirst[a] <= _options.PropagationWindow && IsDirectChild(i.TopReporter, a) && ShareOfChildrenFailing(a, i, null, node) >= SilentParentShare)) continue;
                // Only a cascade's root may be silent. An incident whose members all sit under a silent CI h
                // below a, with h quiet for longer than one propagation window after their first symptoms, has
                // h as its own (silent) root: had a failed, h would have failed on the way and reported. A new
                // symptom elsewhere under a is then another fault, not a sibling.
                if (HasSilentHeadBelow(i, a, t)) continue;
                // Hop by hop again: a silent ancestor explains a CI one or two hops under it (the CI in between
                // may report late); deeper, with everything in between quiet, only a storm-sized share does.
                if ((depths[k] <= 2 && siblingCoincidence <= _options.CoincidenceLimit) || share >= _options.StormShare)
                    Offer(i, 100 + 100 * (1 - siblingCoincidence) + 100 * share - depths[k], a, JoinReason.Sibling, a);
            }
        }

        // 3. Reopen a recently resolved incident of this CI (flapping).
        var reopened = false;
        if (bestScore < 1000 && _recentlyResolvedByCi.TryGetValue(node, out var old)
            && old.MergedInto is null && old.ResolvedAt is not null && t - old.ActiveUntil <= _options.FlapWindow && bestScore < 500
            // Only a CI that explains most of the old incident (its root flapping) reopens it; a former
            // victim reporting again after the incident resolved is more likely a new, independent problem
            // (while the incident is still active, victims rejoin it: rule 1).
            && old.Cover[node] >= _options.FragmentCoverage * old.Members.Count)
        {
            old.ResolvedAt = null;
            _active.Add(old);
            foreach (var c in old.Cover.Keys) Index(c, old);
            best = old;
            bestScore = 900;
            reopened = true;
            reason = JoinReason.Reopened;
        }

        // 4. Missing relations: a CI with no dependency other than containers joins a fresh sibling incident.
        if (best is null && node < _graph.Count && LooksOrphaned(node))
        {
            for (var k = 0; k < ancestors.Length && best is null; k++)
                if (_byNode.TryGetValue(ancestors[k], out var list))
                    foreach (var i in list)
                        if (t - i.CoverLast[ancestors[k]] <= _options.OrphanWindow && i.Members.Count >= 2) Offer(i, 50 - depths[k], -1, JoinReason.Orphan, ancestors[k]);
        }

        // 5. Missing relations: a CI two hops away in the undirected graph (a shared dependent such as a load
        // balancer over several services, or a shared dependency) reported within the orphan window. Only for
        // CIs that lost their upstream relations, or through a container when both went down: for a CI with
        // intact relations the same pattern mostly links independent faults through multi-parent dependents
        // (measured: +0.02 pair recall, -0.013 pair precision over 18 scenario runs). Hubs are skipped.
        if (best is null && node < _graph.Count)
            OfferNeighbours(node, t, evt.Kind == EventKind.Down, LooksOrphaned(node), (i, x) => Offer(i, 40, -1, JoinReason.Neighbour, x));

        // 6. A CI that lost an upstream relation the estate's schema expects (a VM without a hypervisor):
        // join the cascade where a CI of the missing parent's type just started failing.
        if (best is null)
            OfferLostParent(node, t, (i, x) => Offer(i, 35, -1, JoinReason.LostRelation, x));

        // 7. A CI with no upstream relation at all (or only containers) cannot be placed by topology:
        // fall back on time and join the busiest cascade that is unfolding right now, if any.
        if (best is null && node < _graph.Count && LooksOrphaned(node))
        {
            Incident? busiest = null;
            var most = _options.OrphanMinBurst - 1e-9;
            foreach (var i in _active)
            {
                if (t - i.LastEventAt > _options.OrphanWindow) continue;
                var recent = i.RecentCover(Incident.AllMembers, t);
                if (recent > most) { most = recent; busiest = i; }
            }
            if (busiest is not null) Offer(busiest, 30, -1, JoinReason.Orphan, -1);
        }

        var opened = false;
        if (best is null)
        {
            best = new Incident($"inc-{++_nextId:000000}", _graph, CiIdOf, t) { RecentHalfLife = _options.SiblingWindow };
            _all.Add(best);
            _active.Add(best);
            _opened++;
            opened = true;
        }
        if (reason == JoinReason.LostRelation) { LinkLostParent(node, link); ancestors = Lineage(node, out depths); }
        AddTo(best, evt, node, ancestors);
        _counters[(int)reason]++;

        var merged = MergeFragments(best, node, ancestors, lambda, out var mergedVia);
        // A fragment headed by a CI that lost an upstream relation (a hypervisor without its switch, its VMs
        // under it) folds into the cascade where a CI of the missing parent's type just began failing.
        // The head is checked at every event of the young fragment, not only its own: the parent often reports
        // seconds after the head's first symptom (a service that lost its database relation reports just before
        // the database does), and the next event in the fragment may be a dependent of the head.
        var fragmentHead = best.RootLike(_options.FragmentCoverage);
        if (merged.Count == 0 && fragmentHead >= 0 && fragmentHead < _graph.Count && _wantedParentTypes[fragmentHead] is not null
            && best.Members.ContainsKey(fragmentHead) && t - best.OpenedAt <= _options.OrphanWindow * 2)
        {
            var (host, via) = FindLostParent(fragmentHead, t, best, best.Members[fragmentHead].FirstAt);
            if (host is not null)
            {
                LinkLostParent(fragmentHead, via);
                Fold(best, host);
                merged = [best.Id];
                mergedVia = via;
                best = host;
                opened = false;
                reopened = false;
            }
        }
        _merged += merged.Count;
        return new CorrelationAssignment(evt.Id, best.Id, opened, reopened, merged,
            reason.ToString().ToLowerInvariant(), link >= 0 ? CiIdOf(link) : null, mergedVia >= 0 ? CiIdOf(mergedVia) : null);
    }

    /// <summary>
    /// Drops incidents resolved (or merged) before <paramref name="olderThan"/> and past the flap window,
    /// so a long-running correlator (a grain) keeps bounded memory. Returns how many were dropped.
    /// </summary>
    public int Prune(DateTimeOffset olderThan)
    {
        bool Gone(Incident i) => i.MergedInto is not null
            ? i.LastEventAt < olderThan
            : i.ResolvedAt is { } r && r < olderThan && _now - r > _options.FlapWindow;
        foreach (var (ci, i) in _recentlyResolvedByCi.ToList())
            if (Gone(i)) _recentlyResolvedByCi.Remove(ci);
        return _all.RemoveAll(Gone);
    }

    /// <summary>Resolves every incident whose quiet gap has passed by <paramref name="now"/> (event time).</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        if (now > _now) { _now = now; ResolveQuiet(); ExpireVirtualParents(); }
    }

    /// <summary>
    /// Storm handling: when several active incidents sit (mostly) under one CI upstream of the event
    /// — a switch, hypervisor or array whose own telemetry may be silent or late — and that many
    /// independent onsets under it within <see cref="CorrelatorOptions.SiblingWindow"/> are improbable
    /// (Poisson tail at most <see cref="CorrelatorOptions.MergeSignificance"/>) or they cover a
    /// storm-sized share of its dependents, they are fragments of one fault and fold into the incident
    /// holding the event. Only the nearest such CI is used, so two overlapping faults under a big
    /// shared ancestor (a site, a core switch) stay apart.
    /// </summary>
    private List<string> MergeFragments(Incident target, int node, ReadOnlySpan<int> ancestors, double lambda, out int mergedVia)
    {
        var merged = new List<string>();
        mergedVia = -1;
        for (var k = -1; k < ancestors.Length && merged.Count == 0; k++)
        {
            var via = k < 0 ? node : ancestors[k];
            if (via >= _graph.Count || !_byNode.TryGetValue(via, out var list) || list.Count < 2) continue;
            if (target.RecentCoverage(via, _now) < _options.FragmentCoverage || ExplainedOutside(target, via)) continue;
            // Fragments of one fault start together (propagation delays are minutes); independent faults
            // start at unrelated times. The test therefore uses the span of the onsets under via.
            // An incident that was one isolated event until its current burst (noise on a CI minutes before
            // the real failure there) is compared by that burst's onset: the lone event would otherwise
            // stretch the span and hide the coincidence. Longer incidents keep their first onset.
            DateTimeOffset Onset(Incident i) => i.MembersBeforeBurst <= 1 && i.BurstStart > i.CoverFirst[via] ? i.BurstStart : i.CoverFirst[via];
            var onset = Onset(target);
            var half = _options.SiblingWindow;
            var fragments = list.Where(i => i != target && _now - i.CoverLast[via] <= _options.SiblingWindow
                && (Onset(i) - onset).Duration() <= half
                && i.RecentCoverage(via, _now) >= _options.FragmentCoverage && !ExplainedOutside(i, via)).ToList();
            // Cause precedes effect: a reporting via whose first symptom came later than the late-root window
            // after a fragment's onset under it (and is not down) is not that fragment's root, the same bound
            // as the late-root rule (a lone anomaly on a VM five minutes after its service's own cascade).
            if (target.Members.TryGetValue(via, out var viaMember) && !viaMember.Down)
                fragments.RemoveAll(f => viaMember.FirstAt - f.CoverFirst[via] > _options.LateRootWindow);
            if (fragments.Count == 0) continue;
            // A failure travels hop by hop, so only the root of a cascade may be silent: a fragment whose
            // head sits several hops under via, with the CIs in between quiet, is not via's cascade but a
            // fault of its own that happens to share a big ancestor (the site's core switch).
            if (!Linked(target, via, target, fragments)) continue;
            fragments.RemoveAll(f => !Linked(f, via, target, fragments));
            if (fragments.Count == 0) continue;
            var first = fragments.Min(Onset);
            var last = fragments.Max(Onset);
            if (onset < first) first = onset;
            if (onset > last) last = onset;
            var n = _graph.ClosureSize(via);
            var mu = lambda * n * Math.Max(_options.MinOnsetSpan.TotalSeconds, (last - first).TotalSeconds);
            var reporting = target.Members.TryGetValue(via, out var rep) && _now - rep.LastAt <= _options.JoinGap;
            var reporterDown = reporting && rep!.Down;
            // A CI that itself reports (down even more so) is direct evidence of a shared cause, so a
            // weaker tail suffices.
            var tail = PoissonTail(mu, fragments.Count + 1);
            var big = fragments.Count(i => i.Members.Count >= CascadeMembers) + (target.Members.Count >= CascadeMembers ? 1 : 0);
            if (big >= 2)
                tail = Math.Min(tail, PoissonTail(mu * CascadeRate() / lambda, big));
            var significant = tail <= _options.MergeSignificance * (reporterDown ? 100 : reporting ? 10 : 1);
            // Two incidents that each have a credible root of their own are two faults unless the shared
            // CI itself reports: a storm shows as many fragments at once, not as a pair. The exception: both
            // heads depend directly on via, failed within one propagation window, and a third of via's
            // direct dependents are failing (via failing silently under them).
            if (significant && fragments.Count + 1 < MinSelfExplainedFragments && !target.Members.ContainsKey(via)
                && SelfExplained(target, via) && fragments.All(f => SelfExplained(f, via))
                && !(!IsContainer(via) && last - first <= _options.PropagationWindow && IsDirectChild(target.TopReporter, via) && fragments.All(f => IsDirectChild(f.TopReporter, via))
                     && ShareOfChildrenFailing(via, target, fragments, -1) >= SilentParentShare))
                significant = false;
            // A silent CI's failure reaches its direct dependents within about one hop. Onsets spread over more
            // than a propagation window with only a few of them failing are faults of their own that met under
            // a big shared CI (a switch fault and an array's storm minutes later under the core switch).
            if (significant && !reporting && last - first > _options.PropagationWindow
                && ShareOfChildrenFailing(via, target, fragments, -1) < SilentParentShare)
                significant = false;
            if (!significant) continue;
            mergedVia = via;
            foreach (var f in fragments)
            {
                Fold(f, target);
                merged.Add(f.Id);
            }
        }
        return merged;
    }

    private const int MinSelfExplainedFragments = 3;

    /// <summary>Whether the incident already has a credible reporting root that is not under
    /// <paramref name="node"/> (it covers <see cref="CorrelatorOptions.FragmentCoverage"/> of the recent members)
    /// while <paramref name="node"/> covers less than that share of the member CIs: <paramref name="node"/> is then not the incident's
    /// late root but, at most, one more fault touching a few of its members (a ToR switch failing minutes into a
    /// VM's cascade whose load balancer hangs on that switch).</summary>
    private bool ExplainedElsewhere(Incident i, int node, DateTimeOffset t)
    {
        var r = i.TopReporter;
        if (r < 0 || r == node || r >= _graph.Count || i.RecentCoverage(r, t) < _options.FragmentCoverage) return false;
        // Member count, not the decayed share: a CI with several events weighs no more than one.
        if (i.Cover.GetValueOrDefault(node) >= _options.FragmentCoverage * i.Members.Count) return false;
        foreach (var a in AncestorsOf(r)) if (a == node) return false;
        return true;
    }

    /// <summary>Lowers a same-CI membership below the parent/child rule (score 800 − …) when a fresh parent
    /// elsewhere explains the new symptom.</summary>
    private const double FreshParentPenalty = 300;

    /// <summary>Whether a direct parent of <paramref name="node"/> is a member of another active incident whose
    /// first report there came after <paramref name="lastHere"/> (the CI's last symptom in <paramref name="own"/>)
    /// and within <see cref="CorrelatorOptions.PropagationWindow"/> before <paramref name="t"/>
    /// (<see cref="CorrelatorOptions.JoinGap"/> if that parent is down): a newer failure above the CI.</summary>
    private bool HasFreshParentElsewhere(Incident own, int node, DateTimeOffset lastHere, DateTimeOffset t)
    {
        if (node >= _graph.Count) return false;
        foreach (var p in _graph.ParentsOf(node))
        {
            if (!_byNode.TryGetValue(p, out var list)) continue;
            foreach (var j in list)
            {
                if (j == own || !j.Members.TryGetValue(p, out var m)) continue;
                if (m.FirstAt > lastHere && m.FirstAt <= t && t - m.FirstAt <= (m.Down ? _options.JoinGap : _options.PropagationWindow)) return true;
            }
        }
        return false;
    }

    private void Fold(Incident f, Incident target)
    {
        Unindex(f);
        _active.Remove(f);
        f.MergedInto = target.Id;
        var before = new HashSet<int>(target.Cover.Keys);
        target.Absorb(f, AncestorsOf);
        foreach (var c in target.Cover.Keys) if (!before.Contains(c)) Index(c, target);
    }

    /// <summary>Share of a silent CI's direct dependents that must be failing (at least two) before two
    /// self-explained heads under it are read as it failing: a failure reaches most direct dependents, while
    /// two independent faults among many dependents are a coincidence. 1/3.</summary>
    private const double SilentParentShare = 1.0 / 3;

    /// <summary>Share of <paramref name="parent"/>'s direct dependents (containers excluded) that are members of
    /// the incident, of the fragments, or are <paramref name="extra"/>; 0 when fewer than two are.</summary>
    private double ShareOfChildrenFailing(int parent, Incident i, List<Incident>? fragments, int extra)
    {
        if (parent >= _graph.Count) return 0;
        int total = 0, failing = 0;
        foreach (var c in _graph.ChildrenOf(parent))
        {
            if (IsContainer(c)) continue;
            total++;
            if (c == extra || i.Members.ContainsKey(c) || (fragments is not null && fragments.Exists(f => f.Members.ContainsKey(c)))) failing++;
        }
        return failing < 2 || total == 0 ? 0 : (double)failing / total;
    }

    /// <summary>Whether the incident's root-like CI (<see cref="Incident.RootLike"/>) is silent, sits strictly
    /// under <paramref name="a"/>, covers at least two members and stayed quiet for more than
    /// <see cref="CorrelatorOptions.PropagationWindow"/> after the first symptom under it: an inferred root of
    /// the incident's own.</summary>
    private bool HasSilentHeadBelow(Incident i, int a, DateTimeOffset t)
    {
        var h = i.RootLike(_options.FragmentCoverage);
        if (h < 0 || h == a || h >= _graph.Count || i.Members.ContainsKey(h) || i.Cover[h] < 2) return false;
        var ancestors = _graph.AncestorsOf(h);
        var depths = _graph.AncestorDepthsOf(h);
        var young = t - i.CoverFirst[h] <= _options.PropagationWindow;
        for (var k = 0; k < ancestors.Length; k++)
        {
            if (ancestors[k] != a) continue;
            // Hop by hop: with two or more quiet CIs between h and a (h is the most specific CI covering the
            // members, so none of them is a member), a's failure would have had to cross them silently. a is
            // no explanation of the cascade under h even while it is young (a silent database's services are
            // not a storage array's siblings because the array also carries their VMs' hypervisors).
            return !young || depths[k] >= 3;
        }
        return false;
    }

    private bool IsDirectChild(int node, int parent)
    {
        if (node < 0 || node >= _graph.Count) return false;
        foreach (var p in _graph.ParentsOf(node)) if (p == parent) return true;
        return false;
    }

    /// <summary>Whether <paramref name="node"/> is the incident's root-like CI or sits under it: the most
    /// specific CI that covers at least <see cref="CorrelatorOptions.FragmentCoverage"/> of its members (its
    /// reported or inferred root). Broad ancestors (the site) cover everything and say nothing.</summary>
    private bool UnderRootLike(Incident i, int node, ReadOnlySpan<int> ancestors)
    {
        var head = i.RootLike(_options.FragmentCoverage);
        if (head == node) return true;
        if (i.Members.Count < 2 || head < 0) return false;
        foreach (var a in ancestors) if (a == head) return true;
        return false;
    }

    /// <summary>
    /// Whether the incident's head (its credible reporting root, or else the most specific CI that covers
    /// most of its recent members) is <paramref name="via"/>, a direct dependent of it, or sits under a
    /// direct dependent of it that is a member of the group: a cascade from <paramref name="via"/> reaches
    /// it through CIs that themselves failed.
    /// </summary>
    private bool Linked(Incident i, int via, Incident target, List<Incident> fragments)
    {
        var head = Head(i, via);
        // Nothing below via explains the incident: it hangs on via only if via reports or one of its
        // members depends directly on via (an isolated event elsewhere does not make a cascade).
        if (head == via)
        {
            if (i.Members.ContainsKey(via)) return true;
            foreach (var m in i.Members.Keys) if (IsDirectChild(m, via)) return true;
            return false;
        }
        if (head >= _graph.Count) return false;
        foreach (var p in _graph.ParentsOf(head))
        {
            if (p == via) return true;
            if (target.Members.ContainsKey(p) || fragments.Exists(f => f.Members.ContainsKey(p)))
                foreach (var q in _graph.ParentsOf(p)) if (q == via) return true;
        }
        return false;
    }

    /// <summary>The incident's own explanation below <paramref name="via"/>: its credible reporting root, or
    /// else the CI with the smallest closure that covers at least <see cref="CorrelatorOptions.FragmentCoverage"/>
    /// of its recent members (a silent root inferred by coverage).</summary>
    private int Head(Incident i, int via)
    {
        if (i.TopReporter >= 0 && i.RecentCoverage(i.TopReporter, _now) >= _options.FragmentCoverage) return i.TopReporter;
        var best = via;
        var bestSize = via < _graph.Count ? _graph.ClosureSize(via) : int.MaxValue;
        foreach (var c in i.Cover.Keys)
        {
            if (c >= _graph.Count || c == via) continue;
            var size = _graph.ClosureSize(c);
            if (size < bestSize && i.RecentCoverage(c, _now) >= _options.FragmentCoverage) { best = c; bestSize = size; }
        }
        return best;
    }

    /// <summary>The incident has a credible reporting root that does not sit under <paramref name="via"/>:
    /// <paramref name="via"/> cannot be the cause of it (a storage cascade is not a rack switch's fault).</summary>
    private bool ExplainedOutside(Incident i, int via)
    {
        if (i.TopReporter < 0 || i.TopReporter == via || i.RecentCoverage(i.TopReporter, _now) < _options.FragmentCoverage) return false;
        if (i.TopReporter >= _graph.Count) return true;
        foreach (var a in _graph.AncestorsOf(i.TopReporter)) if (a == via) return false;
        return true;
    }

    private bool SelfExplained(Incident i, int via) =>
        i.TopReporter >= 0 && i.TopReporter != via && i.RecentCoverage(i.TopReporter, _now) >= _options.FragmentCoverage;

    /// <summary>P(X ≥ k) for X ~ Poisson(mu).</summary>
    internal static double PoissonTail(double mu, int k)
    {
        if (k <= 0) return 1;
        double term = Math.Exp(-mu), cdf = 0;
        for (var i = 0; i < k; i++) { cdf += term; term *= mu / (i + 1); }
        return Math.Max(0, 1 - cdf);
    }

    private void AddTo(Incident incident, CorrelationEvent evt, int node, ReadOnlySpan<int> ancestors)
    {
        var isNew = !incident.Members.ContainsKey(node);
        incident.Add(evt, node, ancestors);
        if (!isNew) return;
        if (incident.Members.Count == CascadeMembers) _cascades++;
        if (incident.Cover[node] == 1) Index(node, incident);
        foreach (var a in ancestors) if (incident.Cover[a] == 1) Index(a, incident);
    }

    private void Index(int node, Incident incident)
    {
        if (!_byNode.TryGetValue(node, out var list)) _byNode[node] = list = [];
        if (!list.Contains(incident)) list.Add(incident);
    }

    private void Unindex(Incident incident)
    {
        foreach (var c in incident.Cover.Keys)
            if (_byNode.TryGetValue(c, out var list) && list.Remove(incident) && list.Count == 0) _byNode.Remove(c);
    }

    private void ResolveQuiet()
    {
        for (var j = _active.Count - 1; j >= 0; j--)
        {
            var i = _active[j];
            if (_now - i.LastEventAt <= _options.QuietGap) continue;
            i.ResolvedAt = i.LastEventAt;
            _active.RemoveAt(j);
            Unindex(i);
            foreach (var m in i.Members.Keys) _recentlyResolvedByCi[m] = i;
        }
        // Forget flap candidates that can no longer reopen so the map stays bounded.
        if (_recentlyResolvedByCi.Count > 4096)
            foreach (var (k, v) in _recentlyResolvedByCi.ToList())
                if (v.ResolvedAt is not { } r || _now - r > _options.FlapWindow) _recentlyResolvedByCi.Remove(k);
    }

    /// <summary>Observed onsets (incidents opened) per CI-second, blended with the prior over 6 h.</summary>
    private double OnsetRate() => Rate(_opened, _options.PriorOnsetRatePerCiSecond);

    /// <summary>Rate of cascades (incidents that reached <see cref="CascadeMembers"/> CIs) per CI-second:
    /// much rarer than single-CI onsets, which is why several simultaneous cascades under one CI are telling.</summary>
    private double CascadeRate() => Rate(_cascades, _options.PriorOnsetRatePerCiSecond / 5);

    private const int CascadeMembers = 3;

    private double Rate(int count, double prior)
    {
        const double priorSeconds = 6 * 3600;
        var n = Math.Max(1, _graph.Count);
        var elapsed = _start is { } s ? (_now - s).TotalSeconds : 0;
        return (count + n * priorSeconds * prior) / (n * (elapsed + priorSeconds));
    }

    private const int MaxNeighbourDegree = 40;

    /// <remarks>Containers (rack, site) relate everything inside them, so they link two CIs only when both
    /// went down within the orphan window: a rack-mate dying right after its switch is hard to ignore.</remarks>
    private void OfferNeighbours(int node, DateTimeOffset t, bool down, bool orphan, Action<Incident, int> offer)
    {
        foreach (var x in Neighbours(node, down))
        {
            if (_graph.ParentsOf(x).Length + _graph.ChildrenOf(x).Length > MaxNeighbourDegree) continue;
            var viaContainer = IsContainer(x);
            if (!viaContainer && !orphan) continue;
            foreach (var y in Neighbours(x, true))
            {
                if (y == node || !_byNode.TryGetValue(y, out var list)) continue;
                foreach (var i in list)
                    // An event upstream of some of the incident's members that did not qualify as their late
                    // root is a root of its own (a queue under a storage cascade), not a lost relation.
                    if (i.Members.TryGetValue(y, out var m) && t - m.LastAt <= _options.OrphanWindow && (!viaContainer || m.Down)
                        && !i.Cover.ContainsKey(node))
                        offer(i, x);
            }
        }
    }

    private IEnumerable<int> Neighbours(int node, bool withContainers)
    {
        foreach (var p in _graph.ParentsOf(node).ToArray())
            if (withContainers || !IsContainer(p)) yield return p;
        foreach (var c in _graph.ChildrenOf(node).ToArray()) yield return c;
    }

    /// <summary>Containers (site, rack, cluster) relate everything inside them; they are no evidence of a shared fault path.</summary>
    private bool IsContainer(int node) => RootCauseRanker.TypePrior(_graph[node].Type) < 0;

    private bool LooksOrphaned(int node)
    {
        var types = _graph.ParentTypesOf(node);
        foreach (var rt in types) if (rt != RelationType.MemberOf) return false;
        return true;
    }

    private int NodeOf(string ci)
    {
        if (_graph.TryGetIndex(ci, out var i)) return i;
        // A CI missing from the CMDB still correlates with itself (same-CI joins, flapping).
        if (!_extra.TryGetValue(ci, out i))
        {
            i = _graph.Count + _extraIds.Count;
            _extra[ci] = i;
            _extraIds.Add(ci);
        }
        return i;
    }

    private ReadOnlySpan<int> AncestorsOf(int node) => Lineage(node, out _);

    /// <summary>Parents inferred for CIs that lost an upstream relation (CI → the CI of the missing parent's
    /// type it was linked to). They stand in for the lost relation from then on, so the rest of the cascade
    /// under that CI, and the root ranking, see the inferred root above it.</summary>
    /// <remarks>A link is one co-occurrence, not a fact: it holds for <see cref="CorrelatorOptions.FlapWindow"/>
    /// after it was made (the cascade and its flaps), then expires, so the same CI failing later with its real,
    /// unrecorded parent is not pulled under the parent of an old, unrelated fault.</remarks>
    private readonly Dictionary<int, int> _virtualParent = [];
    private readonly Dictionary<int, DateTimeOffset> _virtualParentUntil = [];
    private DateTimeOffset _nextVirtualExpiry = DateTimeOffset.MaxValue;

    private void ExpireVirtualParents()
    {
        if (_now <= _nextVirtualExpiry) return;
        _nextVirtualExpiry = DateTimeOffset.MaxValue;
        foreach (var (node, until) in _virtualParentUntil.ToList())
        {
            if (until < _now) { _virtualParent.Remove(node); _virtualParentUntil.Remove(node); _lineage.Clear(); }
            else if (until < _nextVirtualExpiry) _nextVirtualExpiry = until;
        }
    }
    private readonly Dictionary<int, (int[] Ancestors, byte[] Depths)> _lineage = [];

    private void LinkLostParent(int node, int parent)
    {
        if (node < _graph.Count && parent >= 0 && parent < _graph.Count && parent != node && !IsContainer(parent))
        {
            _virtualParent[node] = parent;
            var until = _now + _options.FlapWindow;
            _virtualParentUntil[node] = until;
            if (until < _nextVirtualExpiry) _nextVirtualExpiry = until;
            _lineage.Clear();
        }
    }

    /// <summary>The CI's ancestors (BFS order) and their hop counts: the graph's, plus inferred parents of the CI
    /// or of its ancestors and their own ancestors.</summary>
    private ReadOnlySpan<int> Lineage(int node, out ReadOnlySpan<byte> depths)
    {
        depths = default;
        if (node >= _graph.Count) return default;
        depths = _graph.AncestorDepthsOf(node);
        if (_virtualParent.Count == 0) return _graph.AncestorsOf(node);
        if (_lineage.TryGetValue(node, out var cached)) { depths = cached.Depths; return cached.Ancestors; }
        var anc = _graph.AncestorsOf(node).ToArray();
        var dep = _graph.AncestorDepthsOf(node).ToArray();
        List<int>? extra = null;
        List<byte>? extraDepths = null;
        HashSet<int>? seen = null;
        void Consider(int x, int dx)
        {
            if (!_virtualParent.TryGetValue(x, out var v)) return;
            if (seen is null)
            {
                seen = [node];
                foreach (var a in anc) seen.Add(a);
                extra = [];
                extraDepths = [];
            }
            if (seen.Add(v)) { extra!.Add(v); extraDepths!.Add((byte)Math.Min(255, dx + 1)); }
            var va = _graph.AncestorsOf(v);
            var vd = _graph.AncestorDepthsOf(v);
            for (var j = 0; j < va.Length; j++)
                if (seen.Add(va[j])) { extra!.Add(va[j]); extraDepths!.Add((byte)Math.Min(255, dx + 1 + vd[j])); }
        }
        Consider(node, 0);
        for (var k = 0; k < anc.Length; k++) Consider(anc[k], dep[k]);
        (int[] Ancestors, byte[] Depths) result = extra is null
            ? (anc, dep)
            : ([.. anc, .. extra], [.. dep, .. extraDepths!]);
        _lineage[node] = result;
        depths = result.Depths;
        return result.Ancestors;
    }

    private string CiIdOf(int node) => node < _graph.Count ? _graph[node].Id : _extraIds[node - _graph.Count];
}
