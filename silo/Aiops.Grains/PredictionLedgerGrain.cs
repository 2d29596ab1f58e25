using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Aiops.Grains;

/// <summary>Persisted state of the prediction ledger.</summary>
[GenerateSerializer, Alias("aiops.LedgerState")]
public sealed class LedgerState
{
    [Id(0)] public Dictionary<string, PredictionRecord> Predictions { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public List<CrossingRecord> Crossings { get; set; } = [];

    /// <summary>Latest event time seen per entity: the clock false alarms are graded by.</summary>
    [Id(2)] public Dictionary<string, long> LatestNs { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A threshold crossing and whether a prediction caught it (alert at least 5 min and at most 24 h before).</summary>
[GenerateSerializer, Immutable, Alias("aiops.CrossingRecord")]
public sealed record CrossingRecord(
    [property: Id(0)] EntityKind EntityKind,
    [property: Id(1)] string Entity,
    [property: Id(2)] string Series,
    [property: Id(3)] string Metric,
    [property: Id(4)] long TimeNs,
    [property: Id(5)] bool Caught);

/// <summary>
/// Keeps every prediction and grades it by event time, with the rules of the threshold evaluation (DESIGN §9.2): a
/// crossing is caught by a prediction first raised between 24 h and 5 min before it; a prediction is a hit when the
/// crossing falls in its interval, early when after it, late when before it; a false alarm when no crossing follows
/// within 24 h of its first alert; a crossing no prediction caught is missed.
/// </summary>
[ImplicitStreamSubscription(PredictionStreams.Namespace)]
public sealed class PredictionLedgerGrain(
    [PersistentState("ledger")] IPersistentState<LedgerState> state)
    : Grain, IPredictionLedgerGrain, IStreamSubscriptionObserver, IAsyncObserver<PredictionEvent>
{
    /// <summary>Predictions kept (default 100,000); the oldest closed ones go first.</summary>
    public const int Capacity = 100_000;

    private static readonly long MinLeadNs = TimeSpan.FromMinutes(5).Ticks * 100;
    private static readonly long HorizonNs = TimeSpan.FromHours(24).Ticks * 100;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<PredictionEvent>().ResumeAsync(this);

    public async Task OnNextAsync(PredictionEvent e, StreamSequenceToken? token = null)
    {
        var s = state.State;
        var entityKey = $"{e.EntityKind}/{e.Entity}";
        s.LatestNs[entityKey] = Math.Max(s.LatestNs.GetValueOrDefault(entityKey), e.TimeNs);
        switch (e.Kind)
        {
            case PredictionEventKind.Raised:
                s.Predictions[e.PredictionId] = new PredictionRecord(
                    e.PredictionId, e.EntityKind, e.Entity, e.Series, e.Metric, e.Threshold, e.TimeNs, e.TimeNs,
                    e.EtaNs, e.LowNs, e.HighNs, e.Probability, true, null, null, PredictionGrade.Pending, e.Value);
                break;
            case PredictionEventKind.Updated when s.Predictions.TryGetValue(e.PredictionId, out var open):
                s.Predictions[e.PredictionId] = open with { UpdatedNs = e.TimeNs, EtaNs = e.EtaNs, LowNs = e.LowNs, HighNs = e.HighNs, Probability = e.Probability, Value = e.Value };
                break;
            case PredictionEventKind.Withdrawn when s.Predictions.TryGetValue(e.PredictionId, out var withdrawn):
                s.Predictions[e.PredictionId] = withdrawn with { Open = false, WithdrawnNs = e.TimeNs, Value = e.Value };
                break;
            case PredictionEventKind.Crossed:
                GradeCrossing(s, e);
                break;
        }

        GradeFalseAlarms(s, entityKey, s.LatestNs[entityKey]);
        Trim(s);
        await state.WriteStateAsync();
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<IReadOnlyList<PredictionRecord>> List(string filter, string? entity, int limit)
    {
        IEnumerable<PredictionRecord> all = state.State.Predictions.Values;
        all = filter switch
        {
            "open" => all.Where(p => p.Open),
            "closed" => all.Where(p => !p.Open),
            _ => all,
        };
        if (entity is not null)
        {
            all = all.Where(p => p.Entity == entity);
        }

        return Task.FromResult<IReadOnlyList<PredictionRecord>>(all.OrderByDescending(p => p.UpdatedNs).Take(limit).ToList());
    }

    public Task<Scorecard> GetScorecard()
    {
        var predictions = state.State.Predictions.Values.ToList();
        var crossings = state.State.Crossings;
        var overall = Row("all", predictions, crossings);
        var byMetric = predictions.Select(p => p.Metric).Concat(crossings.Select(c => c.Metric)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(m => Row(m, predictions.Where(p => p.Metric == m).ToList(), crossings.Where(c => c.Metric == m).ToList()))
            .ToList();

        // Until the CMDB assigns CI types, an entity's type is its kind: "host" or "ci".
        var byType = new[] { EntityKind.Host, EntityKind.Ci }
            .Select(k => Row(k == EntityKind.Host ? "host" : "ci", predictions.Where(p => p.EntityKind == k).ToList(), crossings.Where(c => c.EntityKind == k).ToList()))
            .Where(r => r.Predictions > 0 || r.Crossings > 0)
            .ToList();
        return Task.FromResult(new Scorecard(overall, byMetric, byType));
    }

    private static void GradeCrossing(LedgerState s, PredictionEvent e)
    {
        var caught = false;
        foreach (var p in s.Predictions.Values.ToList())
        {
            if (p.Grade != PredictionGrade.Pending || p.EntityKind != e.EntityKind || p.Entity != e.Entity || p.Series != e.Series)
            {
                continue;
            }

            if (p.FirstAlertNs > e.TimeNs || p.FirstAlertNs < e.TimeNs - HorizonNs)
            {
                continue;
            }

            caught |= p.FirstAlertNs <= e.TimeNs - MinLeadNs;
            var grade = e.TimeNs < p.LowNs ? PredictionGrade.Late : e.TimeNs > p.HighNs ? PredictionGrade.Early : PredictionGrade.Hit;
            s.Predictions[p.Id] = p with { Open = false, CrossingNs = e.TimeNs, Grade = grade };
        }

        s.Crossings.Add(new CrossingRecord(e.EntityKind, e.Entity, e.Series, e.Metric, e.TimeNs, caught));
    }

    private static void GradeFalseAlarms(LedgerState s, string entityKey, long nowNs)
    {
        foreach (var p in s.Predictions.Values.ToList())
        {
            if (p.Grade == PredictionGrade.Pending && $"{p.EntityKind}/{p.Entity}" == entityKey && nowNs > p.FirstAlertNs + HorizonNs)
            {
                s.Predictions[p.Id] = p with { Open = false, Grade = PredictionGrade.FalseAlarm };
            }
        }
    }

    private static void Trim(LedgerState s)
    {
        if (s.Predictions.Count > Capacity)
        {
            foreach (var old in s.Predictions.Values.Where(p => !p.Open).OrderBy(p => p.UpdatedNs).Take(s.Predictions.Count - Capacity).ToList())
            {
                s.Predictions.Remove(old.Id);
            }
        }

        if (s.Crossings.Count > Capacity)
        {
            s.Crossings.RemoveRange(0, s.Crossings.Count - Capacity);
        }
    }

    private static ScorecardRow Row(string group, List<PredictionRecord> predictions, List<CrossingRecord> crossings)
    {
        int hits = 0, early = 0, late = 0, falseAlarms = 0, pending = 0;
        var leads = new List<double>();
        var errors = new List<double>();
        var relative = new List<double>();
        foreach (var p in predictions)
        {
            switch (p.Grade)
            {
                case PredictionGrade.Hit: hits++; break;
                case PredictionGrade.Early: early++; break;
                case PredictionGrade.Late: late++; break;
                case PredictionGrade.FalseAlarm: falseAlarms++; break;
                default: pending++; break;
            }

            if (p.CrossingNs is { } t && p.FirstAlertNs <= t - MinLeadNs)
            {
                var lead = (t - p.FirstAlertNs) / 60e9;
                var error = Math.Abs(p.EtaNs - t) / 60e9;
                leads.Add(lead);
                errors.Add(error);
                relative.Add(error / lead);
            }
        }

        var graded = hits + early + late + falseAlarms;
        var caught = crossings.Count(c => c.Caught);
        return new ScorecardRow(
            group,
            predictions.Count,
            hits,
            early,
            late,
            falseAlarms,
            pending,
            crossings.Count,
            crossings.Count - caught,
            graded == 0 ? null : (double)(hits + early + late) / graded,
            crossings.Count == 0 ? null : (double)caught / crossings.Count,
            Median(leads),
            Median(errors),
            Median(relative));
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
