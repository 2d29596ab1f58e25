using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Analytics.Cmdb;
using Aiops.Analytics.Correlation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Aiops.Grains.Incidents;

/// <summary>One correlated event kept for replay (rebuilding the correlator after a restart or a CMDB change).</summary>
[GenerateSerializer, Immutable, Alias("aiops.ReplayEvent")]
public sealed record ReplayEvent(
    [property: Id(0)] string Id,
    [property: Id(1)] long TimeNs,
    [property: Id(2)] string Ci,
    [property: Id(3)] string Series,
    [property: Id(4)] double Score,
    [property: Id(5)] EventKind Kind);

/// <summary>Persisted state of the incident manager.</summary>
[GenerateSerializer, Alias("aiops.IncidentManagerState")]
public sealed class IncidentManagerState
{
    [Id(0)] public Dictionary<string, IncidentRecord> Incidents { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public List<ReplayEvent> Recent { get; set; } = [];

    [Id(2)] public long NextNumber { get; set; } = 1;

    [Id(3)] public long ClockNs { get; set; }

    /// <summary>Which incident each correlated event went to: how a rebuilt correlator's incidents map back to ours.</summary>
    [Id(4)] public Dictionary<string, string> IncidentOfEvent { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Incidents merged into another: their id now names the survivor.</summary>
    [Id(5)] public Dictionary<string, string> MergedInto { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The incident manager: follows the anomaly and prediction streams, correlates events through the CMDB with the
/// analytics <see cref="Correlator"/> (the same class the eval CLI scores), and runs each incident's lifecycle:
/// open → acknowledged → resolved (by hand, or automatically when every member has recovered for the hold time) →
/// closed; a problem returning within the flap window re-opens its incident. One ticket per incident is kept in sync
/// through <see cref="ITicketGrain"/>, and every change is written to <c>aiops_incident</c>.
/// </summary>
/// <remarks>
/// The correlator itself is not persisted: the last events (<see cref="IncidentOptions.ReplayEvents"/>) are, and a
/// reactivated grain or a changed CMDB rebuilds it by replaying them (correlation is keyed by event time, so the
/// replay reaches the same grouping). An event's CI is its entity: the host name for host telemetry, the CI id for
/// <c>ci</c>-tagged telemetry, so CMDB CIs of hosts use the host name as id.
/// </remarks>
[ImplicitStreamSubscription(AnomalyStreams.Namespace)]
[ImplicitStreamSubscription(PredictionStreams.Namespace)]
public sealed partial class IncidentManagerGrain(
    [PersistentState("incidents")] IPersistentState<IncidentManagerState> state,
    IDerivedPointSink derived,
    IOptions<IncidentOptions> options,
    TimeProvider time,
    ILogger<IncidentManagerGrain> logger)
    : Grain, IIncidentManagerGrain, IStreamSubscriptionObserver
{
    private const string CmdbKey = "default";
    private readonly IncidentOptions _options = options.Value;
    private readonly Dictionary<string, string> _ourIdOf = new(StringComparer.Ordinal);
    private CmdbGraph _graph = new(new CmdbDocument([], []));
    private Correlator _correlator = new(new CmdbGraph(new CmdbDocument([], [])));
    private long _cmdbVersion = -1;
    private IReadOnlyList<ChangeWindow> _windows = [];
    private long _changesVersion = -1;

    private IncidentManagerState S => state.State;

    private static readonly long LikelyChangeNs = TimeSpan.FromHours(24).Ticks * 100;

    private long FlapNs => TimeSpan.FromMinutes(_options.FlapWindowMinutes).Ticks * 100;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadCmdbAsync(force: true);
        this.RegisterGrainTimer(TickAsync, TimeSpan.FromSeconds(_options.TimerSeconds), TimeSpan.FromSeconds(_options.TimerSeconds));
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        if (handleFactory.StreamId.GetNamespace() == AnomalyStreams.Namespace)
        {
            await handleFactory.Create<AnomalyEvent>().ResumeAsync((e, _) => OnAnomalyAsync(e));
        }
        else
        {
            await handleFactory.Create<PredictionEvent>().ResumeAsync((e, _) => OnPredictionAsync(e));
        }
    }

    public Task<IReadOnlyList<IncidentRecord>> List(string filter, int limit)
    {
        IEnumerable<IncidentRecord> all = S.Incidents.Values;
        all = filter switch
        {
            "active" => all.Where(i => i.State is IncidentState.Open or IncidentState.Acknowledged),
            "open" => all.Where(i => i.State == IncidentState.Open),
            "acknowledged" => all.Where(i => i.State == IncidentState.Acknowledged),
            "resolved" => all.Where(i => i.State == IncidentState.Resolved),
            "closed" => all.Where(i => i.State == IncidentState.Closed),
            _ => all,
        };
        return Task.FromResult<IReadOnlyList<IncidentRecord>>(all.OrderByDescending(i => i.LastEventNs).Take(limit).ToList());
    }

    public Task<IncidentRecord?> Get(string id) => Task.FromResult(S.Incidents.GetValueOrDefault(Resolve(id)));

    /// <summary>The surviving incident of an id that was merged away (or the id itself).</summary>
    private string Resolve(string id)
    {
        for (var hops = 0; hops < 16 && S.MergedInto.TryGetValue(id, out var next); hops++)
        {
            id = next;
        }

        return id;
    }

    public async Task<bool> Acknowledge(string id, string by)
    {
        if (!S.Incidents.TryGetValue(Resolve(id), out var i) || i.State != IncidentState.Open)
        {
            return false;
        }

        await ChangeAsync(i with { State = IncidentState.Acknowledged }, "acknowledged", $"Acknowledged by {by}", by);
        return true;
    }

    public async Task<bool> Resolve(string id, string by)
    {
        if (!S.Incidents.TryGetValue(Resolve(id), out var i) || i.State is IncidentState.Resolved or IncidentState.Closed)
        {
            return false;
        }

        await ChangeAsync(i with { State = IncidentState.Resolved, ResolvedNs = S.ClockNs }, "resolved", $"Resolved by {by}", by);
        return true;
    }

    public async Task<bool> Comment(string id, string by, string text)
    {
        if (!S.Incidents.TryGetValue(Resolve(id), out var i))
        {
            return false;
        }

        await ChangeAsync(i, "comment", text, by);
        return true;
    }

    public Task RefreshCmdb() => LoadCmdbAsync(force: true);

    private async Task OnAnomalyAsync(AnomalyEvent e)
    {
        if (e.Ended)
        {
            await RecoverAsync(e.Entity, e.Series, e.TimestampNs);
            return;
        }

        await CorrelateAsync(new ReplayEvent(e.Id, e.TimestampNs, e.Entity, e.Series, e.Score, EventKind.Anomaly));
    }

    private async Task OnPredictionAsync(PredictionEvent e)
    {
        switch (e.Kind)
        {
            case PredictionEventKind.Raised:
                await CorrelateAsync(new ReplayEvent($"{e.PredictionId}/raised", e.TimeNs, e.Entity, e.Series, e.Probability, EventKind.Prediction));
                break;
            case PredictionEventKind.Withdrawn:
                await RecoverAsync(e.Entity, e.Series, e.TimeNs);
                break;
            case PredictionEventKind.Crossed:
                // The predicted problem happened: an observed event, which promotes a predicted incident.
                await CorrelateAsync(new ReplayEvent($"{e.EntityKind}/{e.Entity}/{e.Series}/crossed/{e.TimeNs}", e.TimeNs, e.Entity, e.Series, 1.0, EventKind.Anomaly));
                break;
        }
    }

    private async Task CorrelateAsync(ReplayEvent e)
    {
        Advance(e.TimeNs);
        S.Recent.Add(e);
        TrimReplay();
        var assignment = _correlator.Add(ToCorrelation(e));
        var changed = new List<(IncidentRecord Incident, string Kind, string Text)>();

        var incident = FindOrOpen(assignment, e, out var opened, out var reopened);

        // Fragments the correlator folded into this incident: their members and events move over, and they close as
        // merged (their tickets say so), so one fault ends up as one incident with one open ticket.
        var fragments = new List<IncidentRecord>();
        foreach (var gone in assignment.Merged)
        {
            if (_ourIdOf.TryGetValue(gone, out var goneId) && goneId != incident.Id && S.Incidents.TryGetValue(goneId, out var g) && g.State != IncidentState.Closed
                && !fragments.Exists(f => f.Id == g.Id))
            {
                fragments.Add(g);
            }
        }

        // Our oldest incident survives, whichever the correlator kept: when a fault returns, its re-opened incident (with
        // the ticket already sent) may be one of the fragments, and folding it into a fragment opened seconds ago would
        // turn "re-opened" into a new incident and a second ticket. A survivor that was resolved re-opens; an incident
        // this very event opened is dropped before it ever existed.
        var oldest = fragments.Where(f => Older(f, incident)).OrderBy(f => f.OpenedNs).ThenBy(f => f.Id, StringComparer.Ordinal).FirstOrDefault();
        if (oldest is not null)
        {
            fragments.Remove(oldest);
            if (!opened)
            {
                fragments.Add(incident);
            }

            opened = false;
            reopened = oldest.State == IncidentState.Resolved;
            incident = reopened ? oldest with { State = IncidentState.Open, ResolvedNs = null, Reopens = oldest.Reopens + 1 } : oldest;
            _ourIdOf[assignment.IncidentId] = incident.Id;
        }

        foreach (var g in fragments)
        {
            incident = Absorb(incident, g);
            foreach (var eventId in g.EventIds)
            {
                S.IncidentOfEvent[eventId] = incident.Id;
            }

            foreach (var (correlatorId, ours) in _ourIdOf.ToList())
            {
                if (ours == g.Id)
                {
                    _ourIdOf[correlatorId] = incident.Id;
                }
            }

            changed.Add((g with { State = IncidentState.Closed, ResolvedNs = e.TimeNs }, "merged", $"Merged into {incident.Id}"));
        }

        S.IncidentOfEvent[e.Id] = incident.Id;
        var maintenance = MaintenanceOf(e.Ci, e.TimeNs);
        incident = AddMember(incident, e, maintenance?.Id);
        incident = Rank(incident, assignment.IncidentId);
        incident = incident with
        {
            Suppressed = incident.Members.All(m => m.Maintenance is not null),
            LikelyChanges = LikelyChangesOf(incident.RootCi, incident.OpenedNs),
        };
        var kind = opened ? "opened" : reopened ? "reopened" : "event";
        var text = opened
            ? $"Opened: {e.Kind.ToString().ToLowerInvariant()} on {e.Ci} ({e.Series}, score {e.Score:0.00})"
            : reopened
                ? $"Re-opened by {e.Kind.ToString().ToLowerInvariant()} on {e.Ci} ({e.Series})"
                : $"{e.Kind} on {e.Ci} ({e.Series}, score {e.Score:0.00}) joined: {assignment.Reason}{(assignment.ViaCi is null ? string.Empty : $" via {assignment.ViaCi}")}";
        if (maintenance is not null)
        {
            text += $" — in maintenance window {maintenance.Id} ({maintenance.Description}); does not page";
        }

        changed.Add((incident, kind, text));
        foreach (var (i, k, t) in changed)
        {
            await ChangeAsync(i, k, t, null, save: false);
            if (k == "merged")
            {
                // The fragment's ticket (if any) has been told it closed; the fragment itself lives on only as an alias.
                S.Incidents.Remove(i.Id);
                S.MergedInto[i.Id] = incident.Id;
            }
        }

        await ResolveRecoveredAsync();
        TrimIncidents();
        await state.WriteStateAsync();
    }

    private IncidentRecord FindOrOpen(CorrelationAssignment assignment, ReplayEvent e, out bool opened, out bool reopened)
    {
        opened = false;
        reopened = false;
        if (_ourIdOf.TryGetValue(assignment.IncidentId, out var ourId) && S.Incidents.TryGetValue(ourId, out var known))
        {
            if (known.State is IncidentState.Resolved or IncidentState.Closed)
            {
                reopened = true;
                return known with { State = IncidentState.Open, ResolvedNs = null, Reopens = known.Reopens + 1 };
            }

            return known;
        }

        // A new correlator incident on the CI (or root) of one resolved within the flap window is that problem back.
        var back = S.Incidents.Values
            .Where(i => i.State == IncidentState.Resolved && i.ResolvedNs is { } r && e.TimeNs - r <= FlapNs)
            .Where(i => i.RootCi == e.Ci || i.Members.Any(m => m.Ci == e.Ci))
            .OrderByDescending(i => i.ResolvedNs)
            .FirstOrDefault();
        if (back is not null)
        {
            _ourIdOf[assignment.IncidentId] = back.Id;
            reopened = true;
            return back with { State = IncidentState.Open, ResolvedNs = null, Reopens = back.Reopens + 1 };
        }

        opened = true;
        var id = $"INC-{S.NextNumber++:D6}";
        _ourIdOf[assignment.IncidentId] = id;
        return new IncidentRecord(id, string.Empty, IncidentState.Open, "minor", e.Kind == EventKind.Prediction, e.Ci, [], [], [], e.TimeNs, e.TimeNs, null, 0, [], 0);
    }

    private static bool Older(IncidentRecord a, IncidentRecord b) =>
        a.OpenedNs < b.OpenedNs || (a.OpenedNs == b.OpenedNs && string.CompareOrdinal(a.Id, b.Id) < 0);

    private static IncidentRecord Absorb(IncidentRecord into, IncidentRecord from)
    {
        var members = into.Members.ToList();
        foreach (var m in from.Members)
        {
            var at = members.FindIndex(x => x.Ci == m.Ci && x.Series == m.Series);
            if (at < 0)
            {
                members.Add(m);
            }
            else
            {
                members[at] = members[at] with { FirstNs = Math.Min(members[at].FirstNs, m.FirstNs), LastNs = Math.Max(members[at].LastNs, m.LastNs), MaxScore = Math.Max(members[at].MaxScore, m.MaxScore) };
            }
        }

        return into with
        {
            Members = members,
            EventIds = into.EventIds.Concat(from.EventIds).Distinct(StringComparer.Ordinal).Take(1000).ToList(),
            OpenedNs = Math.Min(into.OpenedNs, from.OpenedNs),

            // The fragment's history joins the survivor's, in event-time order, marked with where it came from.
            Timeline = into.Timeline.Concat(from.Timeline.Select(t => t with { Text = $"[{from.Id}] {t.Text}" })).OrderBy(t => t.TimeNs).TakeLast(500).ToList(),
            LastEventNs = Math.Max(into.LastEventNs, from.LastEventNs),
            Predicted = into.Predicted && from.Predicted,
        };
    }

    private static IncidentRecord AddMember(IncidentRecord i, ReplayEvent e, string? maintenance)
    {
        var kind = e.Kind switch { EventKind.Prediction => "prediction", EventKind.Down => "down", _ => "anomaly" };
        var members = i.Members.ToList();
        var at = members.FindIndex(m => m.Ci == e.Ci && m.Series == e.Series);
        if (at < 0)
        {
            members.Add(new IncidentMember(e.Ci, e.Series, kind, e.TimeNs, e.TimeNs, e.Score, false, maintenance));
        }
        else
        {
            var m = members[at];
            members[at] = m with { Kind = m.Kind == "prediction" ? kind : m.Kind, LastNs = Math.Max(m.LastNs, e.TimeNs), MaxScore = Math.Max(m.MaxScore, e.Score), Recovered = false, Maintenance = maintenance };
        }

        var events = i.EventIds.Count < 1000 ? i.EventIds.Append(e.Id).ToList() : i.EventIds;
        var predicted = members.All(m => m.Kind == "prediction");
        return i with { Members = members, EventIds = events, LastEventNs = Math.Max(i.LastEventNs, e.TimeNs), Predicted = predicted };
    }

    private IncidentRecord Rank(IncidentRecord i, string correlatorId)
    {
        var source = _correlator.Active.FirstOrDefault(c => c.Id == correlatorId) ?? _correlator.Incidents.FirstOrDefault(c => c.Id == correlatorId);
        var ranked = source?.RankRootCauses(5) ?? [];
        var roots = ranked.Select((r, n) => new RootCause(n + 1, r.Ci, r.Score, r.Coverage, r.Reported, Reason(r))).ToList();
        var root = roots.Count > 0 ? roots[0].Ci : i.RootCi;
        var cis = i.Members.Select(m => m.Ci).Distinct(StringComparer.Ordinal).Count();
        var severity = i.Predicted ? "warning"
            : i.Members.Any(m => m.Kind == "down") || cis >= 10 ? "critical"
            : cis >= 3 || i.Members.Any(m => m.MaxScore >= 0.95) ? "major"
            : "minor";
        var title = $"{(i.Predicted ? "Predicted: " : string.Empty)}{root}: {cis} CI{(cis == 1 ? string.Empty : "s")} affected ({i.Members[0].Series})";
        return i with { RootCi = root, RootCauses = roots, Severity = severity, Title = title };
    }

    private static string Reason(RootCandidate r) =>
        $"explains {r.Coverage:P0} of the affected CIs{(r.Reported ? string.Empty : "; sent no event itself (inferred upstream)")}";

    private async Task RecoverAsync(string ci, string series, long timeNs)
    {
        Advance(timeNs);
        foreach (var i in S.Incidents.Values.Where(i => i.State is IncidentState.Open or IncidentState.Acknowledged).ToList())
        {
            var at = i.Members.ToList().FindIndex(m => m.Ci == ci && m.Series == series && !m.Recovered);
            if (at < 0)
            {
                continue;
            }

            var members = i.Members.ToList();
            members[at] = members[at] with { Recovered = true, LastNs = Math.Max(members[at].LastNs, timeNs) };
            await ChangeAsync(i with { Members = members }, "recovered", $"{ci} {series} recovered", null, save: false);
        }

        await ResolveRecoveredAsync();
        await state.WriteStateAsync();
    }

    /// <summary>Moves the event-time clock and applies time-driven transitions (auto-resolve, close).</summary>
    private void Advance(long timeNs)
    {
        if (timeNs > S.ClockNs)
        {
            S.ClockNs = timeNs;
            _correlator.AdvanceTo(UnixNanos.ToTime(timeNs));
        }
    }

    private long HoldNs => TimeSpan.FromMinutes(_options.ResolveHoldMinutes).Ticks * 100;

    /// <summary>Resolves incidents whose members all recovered at least the hold time ago, closes old resolved ones; true when any changed.</summary>
    private async Task<bool> ResolveRecoveredAsync()
    {
        var closeAfter = TimeSpan.FromHours(_options.CloseAfterHours).Ticks * 100;
        var changed = false;
        foreach (var i in S.Incidents.Values.ToList())
        {
            if (i.State is IncidentState.Open or IncidentState.Acknowledged && i.Members.Count > 0 && i.Members.All(m => m.Recovered)
                && S.ClockNs - i.Members.Max(m => m.LastNs) >= HoldNs)
            {
                await ChangeAsync(i with { State = IncidentState.Resolved, ResolvedNs = S.ClockNs }, "resolved", "Resolved automatically: every member recovered", null, save: false);
                changed = true;
            }
            else if (i.State == IncidentState.Resolved && i.ResolvedNs is { } r && S.ClockNs - r >= closeAfter)
            {
                await ChangeAsync(i with { State = IncidentState.Closed }, "closed", "Closed", null, save: false);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>The timer: CMDB and calendar changes, then the time-driven transitions on the event-time clock.</summary>
    private async Task TickAsync()
    {
        await LoadCmdbAsync(force: false);
        await AdvanceToRecoveredMembersAsync();
        if (await ResolveRecoveredAsync())
        {
            TrimIncidents();
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Moves the event-time clock to what the members of incidents waiting out their hold time have been seen up to.
    /// </summary>
    /// <remarks>
    /// The clock otherwise moves only with anomaly and prediction events. Recovery means that none come: in a quiet
    /// system an incident whose members all recovered would wait for an unrelated event before its hold time could
    /// pass, and the same fault returning would then find it still open instead of re-opening it. The member entities'
    /// latest sample times are event time the system has observed, so auto-resolve stays keyed by event time (a replay
    /// resolves at the same event time). Only incidents that are waiting are looked at, at most
    /// <see cref="MaxWatchedMembers"/> CIs per tick.
    /// </remarks>
    private async Task AdvanceToRecoveredMembersAsync()
    {
        var cis = S.Incidents.Values
            .Where(i => i.State is IncidentState.Open or IncidentState.Acknowledged && i.Members.Count > 0 && i.Members.All(m => m.Recovered)
                && S.ClockNs - i.Members.Max(m => m.LastNs) < HoldNs)
            .SelectMany(i => i.Members.Select(m => m.Ci))
            .Distinct(StringComparer.Ordinal)
            .Take(MaxWatchedMembers)
            .ToList();
        var seen = S.ClockNs;
        foreach (var ci in cis)
        {
            try
            {
                // Incident CIs are entity keys: a host name for host telemetry, a CI id for ci-tagged telemetry.
                var host = await GrainFactory.GetGrain<IHostGrain>(ci).GetState();
                var entity = host.PointCount > 0 ? host : await GrainFactory.GetGrain<ICiGrain>(ci).GetState();
                seen = Math.Max(seen, entity.LastSeenNs);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogMemberUnavailable(logger, ex, ci);
            }
        }

        Advance(seen);
    }

    /// <summary>Most member CIs whose latest sample time one timer tick asks for (100).</summary>
    private const int MaxWatchedMembers = 100;

    /// <summary>Stores a changed incident, appends to its timeline, writes <c>aiops_incident</c> and syncs its ticket.</summary>
    private async Task ChangeAsync(IncidentRecord incident, string kind, string text, string? by, bool save = true)
    {
        var timeline = incident.Timeline.Count < 500 ? incident.Timeline.Append(new TimelineEntry(S.ClockNs, time.GetUtcNow(), kind, text, by)).ToList() : incident.Timeline;
        incident = incident with { Timeline = timeline, Revision = incident.Revision + 1 };
        S.Incidents[incident.Id] = incident;
        derived.Write([new DerivedPoint(
            "aiops_incident",
            [new("incident", incident.Id), new("root_ci", incident.RootCi), new("severity", incident.Severity), new("state", incident.State.Name())],
            [
                new("cis", string.Join(',', incident.Members.Select(m => m.Ci).Distinct(StringComparer.Ordinal))),
                new("anomalies", (long)incident.EventIds.Count),
                new("title", incident.Title),
            ],
            Math.Max(S.ClockNs, incident.OpenedNs))]);

        // Outgoing calls must not hold the incident manager: the ticket grain retries on its own. An incident whose
        // every member is inside a maintenance window does not page: no ticket until something outside joins it.
        if (!incident.Suppressed)
        {
            GrainFactory.GetGrain<ITicketGrain>(incident.Id).Sync(incident).Ignore();
        }
        if (save)
        {
            TrimIncidents();
            await state.WriteStateAsync();
        }
    }

    private async Task LoadCmdbAsync(bool force)
    {
        CmdbSnapshot snapshot;
        try
        {
            snapshot = await GrainFactory.GetGrain<ICmdbGrain>(CmdbKey).Export();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCmdbUnavailable(logger, ex);
            return;
        }

        await LoadChangesAsync();
        if (!force && snapshot.Version == _cmdbVersion)
        {
            return;
        }

        _cmdbVersion = snapshot.Version;
        var cis = snapshot.Cis.Select(c => new ConfigurationItem(c.Id, c.Type, c.Name) { Attributes = c.Attributes, OwnerGroup = c.OwnerGroup, Criticality = c.Criticality }).ToList();
        var relations = new List<CmdbRelation>();
        foreach (var r in snapshot.Relations)
        {
            if (RelationTypes.TryParse(r.Type, out var type))
            {
                relations.Add(new CmdbRelation(r.From, r.To, type));
            }
        }

        _graph = new CmdbGraph(new CmdbDocument(cis, relations));
        Rebuild(_graph);
    }

    private async Task LoadChangesAsync()
    {
        try
        {
            var (windows, version) = await GrainFactory.GetGrain<IChangeCalendarGrain>(CmdbKey).List();
            if (version != _changesVersion)
            {
                _windows = windows;
                _changesVersion = version;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogCmdbUnavailable(logger, ex);
        }
    }

    /// <summary>The maintenance window covering <paramref name="ci"/> at <paramref name="timeNs"/> (on the CI, or on a CI it depends on), or null.</summary>
    private ChangeWindow? MaintenanceOf(string ci, long timeNs)
    {
        var at = UnixNanos.ToTime(timeNs);
        IReadOnlyList<string>? dependencies = null;
        foreach (var w in _windows)
        {
            if (w.Kind != "maintenance" || at < w.Start || at > w.End)
            {
                continue;
            }

            if (w.Ci == ci || (w.IncludeDependents && (dependencies ??= _graph.Dependencies(ci)).Contains(w.Ci)))
            {
                return w;
            }
        }

        return null;
    }

    /// <summary>Changes on the root CI that ended in the 24 h before the incident opened, or were under way then: likely causes.</summary>
    private List<string> LikelyChangesOf(string rootCi, long openedNs)
    {
        var opened = UnixNanos.ToTime(openedNs);
        return _windows
            .Where(w => w.Kind == "change" && w.Ci == rootCi && w.Start <= opened && w.End >= opened.AddTicks(-LikelyChangeNs / 100))
            .Select(w => $"{w.Id}: {w.Description} ({w.Start:u} – {w.End:u}, by {w.CreatedBy})")
            .ToList();
    }

    /// <summary>A fresh correlator on <paramref name="graph"/>, fed the kept events again; its incidents map back to ours through their events.</summary>
    private void Rebuild(CmdbGraph graph)
    {
        _correlator = new Correlator(graph);
        _ourIdOf.Clear();
        foreach (var e in S.Recent)
        {
            var a = _correlator.Add(ToCorrelation(e));
            if (!_ourIdOf.ContainsKey(a.IncidentId) && S.IncidentOfEvent.TryGetValue(e.Id, out var ours))
            {
                _ourIdOf[a.IncidentId] = ours;
            }
        }

        if (S.ClockNs > 0)
        {
            _correlator.AdvanceTo(UnixNanos.ToTime(S.ClockNs));
        }
    }

    private static CorrelationEvent ToCorrelation(ReplayEvent e) =>
        new(e.Id, UnixNanos.ToTime(e.TimeNs), e.Ci, e.Series, Math.Clamp(e.Score, 0, 1), e.Kind);

    private void TrimReplay()
    {
        var horizon = S.ClockNs - TimeSpan.FromHours(24).Ticks * 100;
        var drop = 0;
        while (drop < S.Recent.Count && (S.Recent.Count - drop > _options.ReplayEvents || S.Recent[drop].TimeNs < horizon))
        {
            S.IncidentOfEvent.Remove(S.Recent[drop].Id);
            drop++;
        }

        if (drop > 0)
        {
            S.Recent.RemoveRange(0, drop);
        }
    }

    private void TrimIncidents()
    {
        if (S.Incidents.Count <= _options.MaxIncidents)
        {
            return;
        }

        foreach (var old in S.Incidents.Values.Where(i => i.State == IncidentState.Closed).OrderBy(i => i.LastEventNs).Take(S.Incidents.Count - _options.MaxIncidents).ToList())
        {
            S.Incidents.Remove(old.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Latest sample time of {Ci} not readable; its incident waits for the next tick or event")]
    private static partial void LogMemberUnavailable(ILogger logger, Exception exception, string ci);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CMDB not readable; correlating with the graph it had")]
    private static partial void LogCmdbUnavailable(ILogger logger, Exception exception);
}
