using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Predictions;

/// <summary>One prediction as the API shows it; times ISO-8601 UTC.</summary>
public sealed record PredictionDto(
    string Id,
    string Kind,
    string Entity,
    string Series,
    string Metric,
    double Threshold,
    string State,
    string Grade,
    DateTimeOffset FirstAlert,
    DateTimeOffset Updated,
    DateTimeOffset? Eta,
    DateTimeOffset? EtaLow,
    DateTimeOffset? EtaHigh,
    double Probability,
    double Value,
    DateTimeOffset? Withdrawn,
    DateTimeOffset? Crossing);

/// <summary>Predictions, newest first: <c>open</c>, <c>closed</c> or <c>all</c>.</summary>
public sealed record ListPredictionsQuery(string State, string? Entity, int Limit) : IQuery<IReadOnlyList<PredictionDto>>;

public sealed class ListPredictionsHandler(IGrainFactory grains) : IQueryHandler<ListPredictionsQuery, IReadOnlyList<PredictionDto>>
{
    public async ValueTask<IReadOnlyList<PredictionDto>> Handle(ListPredictionsQuery query, CancellationToken cancellationToken)
    {
        var records = await grains.GetGrain<IPredictionLedgerGrain>(AnomalyStreams.AllKey).List(query.State, query.Entity, query.Limit);
        return records.Select(ToDto).ToList();
    }

    private static PredictionDto ToDto(PredictionRecord p) => new(
        p.Id,
        p.EntityKind == EntityKind.Host ? "host" : "ci",
        p.Entity,
        p.Series,
        p.Metric,
        p.Threshold,
        p.Open ? "open" : p.Grade == PredictionGrade.Pending ? "withdrawn" : "graded",
        p.Grade switch
        {
            PredictionGrade.Hit => "hit",
            PredictionGrade.Early => "early",
            PredictionGrade.Late => "late",
            PredictionGrade.FalseAlarm => "false-alarm",
            _ => "pending",
        },
        UnixNanos.ToTime(p.FirstAlertNs),
        UnixNanos.ToTime(p.UpdatedNs),
        p.EtaNs == 0 ? null : UnixNanos.ToTime(p.EtaNs),
        p.LowNs == 0 ? null : UnixNanos.ToTime(p.LowNs),
        p.HighNs == 0 ? null : UnixNanos.ToTime(p.HighNs),
        p.Probability,
        p.Value,
        p.WithdrawnNs is { } w ? UnixNanos.ToTime(w) : null,
        p.CrossingNs is { } c ? UnixNanos.ToTime(c) : null);

}

/// <summary>The self-grading scorecard.</summary>
public sealed record GetScorecardQuery : IQuery<Scorecard>;

public sealed class GetScorecardHandler(IGrainFactory grains) : IQueryHandler<GetScorecardQuery, Scorecard>
{
    public async ValueTask<Scorecard> Handle(GetScorecardQuery query, CancellationToken cancellationToken) =>
        await grains.GetGrain<IPredictionLedgerGrain>(AnomalyStreams.AllKey).GetScorecard();
}
