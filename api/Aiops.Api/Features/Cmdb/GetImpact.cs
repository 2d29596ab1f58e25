using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>What transitively depends on a CI, or null when the CI is unknown.</summary>
public sealed record GetImpactQuery(string Id) : IQuery<ImpactDto?>;

public sealed class GetImpactHandler(IGrainFactory grains) : IQueryHandler<GetImpactQuery, ImpactDto?>
{
    public async ValueTask<ImpactDto?> Handle(GetImpactQuery query, CancellationToken cancellationToken)
    {
        var impacted = await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).GetImpact(query.Id);
        return impacted is null ? null : new ImpactDto(query.Id, impacted.Count, [.. impacted.Select(c => c.ToDto())]);
    }
}
