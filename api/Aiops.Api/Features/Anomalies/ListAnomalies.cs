using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Anomalies;

/// <summary>One anomaly episode as the API shows it.</summary>
public sealed record AnomalyDto(string Id, string Kind, string Entity, string Series, string Detector, double Score, double Value, DateTimeOffset Time, long TimestampNs);

/// <summary>Recent anomaly episodes with onset in [From, To], optionally of one host or CI, newest first.</summary>
public sealed record ListAnomaliesQuery(long FromNs, long ToNs, string? Entity, int Limit) : IQuery<IReadOnlyList<AnomalyDto>>;

public sealed class ListAnomaliesHandler(IGrainFactory grains) : IQueryHandler<ListAnomaliesQuery, IReadOnlyList<AnomalyDto>>
{
    public async ValueTask<IReadOnlyList<AnomalyDto>> Handle(ListAnomaliesQuery query, CancellationToken cancellationToken)
    {
        var events = await grains.GetGrain<IAnomalyLogGrain>(AnomalyStreams.AllKey).List(query.FromNs, query.ToNs, query.Entity, query.Limit);
        return events.Select(e => new AnomalyDto(
            e.Id,
            e.Kind == EntityKind.Host ? "host" : "ci",
            e.Entity,
            e.Series,
            e.Detector,
            e.Score,
            e.Value,
            UnixNanos.ToTime(e.TimestampNs),
            e.TimestampNs)).ToList();
    }
}
