using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Relations in insertion order; only those touching <see cref="Ci"/> when given.</summary>
public sealed record ListRelationsQuery(string? Ci) : IQuery<IReadOnlyList<RelationDto>>;

public sealed class ListRelationsHandler(IGrainFactory grains) : IQueryHandler<ListRelationsQuery, IReadOnlyList<RelationDto>>
{
    public async ValueTask<IReadOnlyList<RelationDto>> Handle(ListRelationsQuery query, CancellationToken cancellationToken) =>
        [.. (await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).ListRelations(query.Ci)).Select(r => r.ToDto())];
}
