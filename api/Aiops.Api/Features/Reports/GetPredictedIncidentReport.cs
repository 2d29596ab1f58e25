using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Reports;

/// <summary>
/// The predicted-incidents report for predictions whose first alert lies in [<see cref="From"/>, <see cref="To"/>).
/// Null bounds default to the 7 days before the ledger's latest event time (the latest update or crossing of any
/// prediction); with an empty ledger the window is empty.
/// </summary>
public sealed record GetPredictedIncidentReportQuery(DateTimeOffset? From, DateTimeOffset? To) : IQuery<PredictedIncidentReport>;

public sealed class GetPredictedIncidentReportHandler(IGrainFactory grains) : IQueryHandler<GetPredictedIncidentReportQuery, PredictedIncidentReport>
{
    /// <summary>Default window length when <c>from</c> is not given.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);

    /// <summary>At most this many predictions and incidents are read (the ledger keeps up to 100,000; the API lists 10,000).</summary>
    public const int ReadLimit = 10_000;

    // Same rule as the ledger's scorecard: a crossing less than 5 minutes after the first alert gives no lead time.
    private static readonly long MinLeadNs = TimeSpan.FromMinutes(5).Ticks * 100;

    public async ValueTask<PredictedIncidentReport> Handle(GetPredictedIncidentReportQuery query, CancellationToken cancellationToken)
    {
        var ledger = grains.GetGrain<IPredictionLedgerGrain>(AnomalyStreams.AllKey);
        var records = await ledger.List("all", null, ReadLimit);
        var scorecard = await ledger.GetScorecard();

        var latest = records.Count == 0 ? (DateTimeOffset?)null : UnixNanos.ToTime(records.Max(p => Math.Max(p.UpdatedNs, p.CrossingNs ?? 0)));
        var to = query.To ?? (latest is { } l ? l.AddTicks(1) : DateTimeOffset.UtcNow); // exclusive bound: include the latest event
        var from = query.From ?? to - DefaultWindow;
        var fromNs = UnixNanos.Of(from);
        var toNs = UnixNanos.Of(to);
        var selected = records.Where(p => p.FirstAlertNs >= fromNs && p.FirstAlertNs < toNs).OrderBy(p => p.FirstAlertNs).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();

        var incidents = selected.Count == 0 ? [] : await grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).List("all", ReadLimit);
        var cmdb = grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var tickets = new Dictionary<string, string?>(StringComparer.Ordinal);
        var rows = new List<PredictedIncidentRow>(selected.Count);
        var leadsOf = new Dictionary<PredictedIncidentRow, (double Lead, double Error)?>();
        foreach (var p in selected)
        {
            if (!types.TryGetValue(p.Entity, out var type))
            {
                // Until the CMDB knows the entity, its type is its kind, as in the scorecard ("host" or "ci").
                type = (await cmdb.GetCi(p.Entity))?.Type ?? (p.EntityKind == EntityKind.Host ? "host" : "ci");
                types[p.Entity] = type;
            }

            var incident = RelatedIncident(incidents, p);
            string? ticket = null;
            if (incident is not null && !tickets.TryGetValue(incident.Id, out ticket))
            {
                ticket = (await grains.GetGrain<ITicketGrain>(incident.Id).Get())?.TicketId;
                tickets[incident.Id] = ticket;
            }

            (double Lead, double Error)? graded = p.CrossingNs is { } c ? ((c - p.FirstAlertNs) / 60e9, Math.Abs(p.EtaNs - c) / 60e9) : null;
            var row = new PredictedIncidentRow(
                p.Id,
                p.Entity,
                type,
                p.Series,
                p.Metric,
                p.Threshold,
                UnixNanos.ToTime(p.FirstAlertNs),
                p.EtaNs == 0 ? null : UnixNanos.ToTime(p.EtaNs),
                p.LowNs == 0 ? null : UnixNanos.ToTime(p.LowNs),
                p.HighNs == 0 ? null : UnixNanos.ToTime(p.HighNs),
                p.Probability,
                p.Open ? "open" : p.Grade == PredictionGrade.Pending ? "withdrawn" : "graded",
                p.CrossingNs is { } x ? UnixNanos.ToTime(x) : null,
                GradeName(p.Grade),
                graded?.Lead,
                graded?.Error,
                incident?.Id,
                ticket);
            rows.Add(row);

            // Medians use the scorecard's rule: only crossings at least 5 minutes after the first alert count.
            leadsOf[row] = p.CrossingNs is { } t && p.FirstAlertNs <= t - MinLeadNs ? graded : null;
        }

        var byType = Summarise(rows, r => r.CiType, leadsOf, scorecard.ByCiType);
        var byMetric = Summarise(rows, r => r.Metric, leadsOf, scorecard.ByMetric);
        return new PredictedIncidentReport(from, to, DateTimeOffset.UtcNow, rows, byType, byMetric);
    }

    /// <summary>
    /// The newest incident with a member on the prediction's entity and series that was last active at or after the
    /// first alert (an older incident on the same series is history, not the outcome of this prediction).
    /// </summary>
    private static IncidentRecord? RelatedIncident(IReadOnlyList<IncidentRecord> incidents, PredictionRecord p) =>
        incidents
            .Where(i => i.Members.Any(m => m.Ci == p.Entity && m.Series == p.Series && m.LastNs >= p.FirstAlertNs))
            .OrderByDescending(i => i.OpenedNs)
            .FirstOrDefault();

    private static List<PredictedIncidentSummary> Summarise(
        List<PredictedIncidentRow> rows,
        Func<PredictedIncidentRow, string> key,
        Dictionary<PredictedIncidentRow, (double Lead, double Error)?> leadsOf,
        IReadOnlyList<ScorecardRow> ledger) =>
        rows.GroupBy(key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            int hits = g.Count(r => r.Grade == "hit"), early = g.Count(r => r.Grade == "early"), late = g.Count(r => r.Grade == "late");
            var falseAlarms = g.Count(r => r.Grade == "false-alarm");
            var graded = hits + early + late + falseAlarms;
            var timed = g.Select(r => leadsOf[r]).OfType<(double Lead, double Error)>().ToList();
            return new PredictedIncidentSummary(
                g.Key,
                g.Count(),
                hits,
                early,
                late,
                falseAlarms,
                g.Count() - graded,
                // The scorecard's definition: a prediction followed by its crossing, over all graded ones.
                graded == 0 ? null : (double)(hits + early + late) / graded,
                ledger.FirstOrDefault(s => s.Group == g.Key)?.Recall,
                Median(timed.Select(t => t.Lead)),
                Median(timed.Select(t => t.Error)));
        }).ToList();

    private static double? Median(IEnumerable<double> source)
    {
        var values = source.Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }

        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    internal static string GradeName(PredictionGrade grade) => grade switch
    {
        PredictionGrade.Hit => "hit",
        PredictionGrade.Early => "early",
        PredictionGrade.Late => "late",
        PredictionGrade.FalseAlarm => "false-alarm",
        _ => "pending",
    };


}
