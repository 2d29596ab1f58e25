using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>One CI, or null when unknown.</summary>
public sealed record GetCiQuery(string Id) : IQuery<CiDto?>;

public sealed class GetCiHandler(IGrainFactory grains) : IQueryHandler<GetCiQuery, CiDto?>
{
    public async ValueTask<CiDto?> Handle(GetCiQuery query, CancellationToken cancellationToken) =>
        (await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).GetCi(query.Id))?.ToDto();
}
