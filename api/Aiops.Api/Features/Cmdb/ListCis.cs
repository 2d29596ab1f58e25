using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>CIs in insertion order, only those of <see cref="Type"/> when given.</summary>
public sealed record ListCisQuery(string? Type) : IQuery<IReadOnlyList<CiDto>>;

public sealed class ListCisHandler(IGrainFactory grains) : IQueryHandler<ListCisQuery, IReadOnlyList<CiDto>>
{
    public async ValueTask<IReadOnlyList<CiDto>> Handle(ListCisQuery query, CancellationToken cancellationToken) =>
        [.. (await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).ListCis(query.Type)).Select(c => c.ToDto())];
}
