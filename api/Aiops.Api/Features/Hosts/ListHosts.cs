using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Hosts;

/// <summary>Lists every host known to the directory.</summary>
public sealed record ListHostsQuery : IQuery<IReadOnlyList<HostSummaryDto>>;

public sealed class ListHostsHandler(IGrainFactory grains) : IQueryHandler<ListHostsQuery, IReadOnlyList<HostSummaryDto>>
{
    public async ValueTask<IReadOnlyList<HostSummaryDto>> Handle(ListHostsQuery query, CancellationToken cancellationToken)
    {
        var entities = await grains.GetGrain<IEntityDirectoryGrain>("host").List();
        return entities.Select(e => e.ToDto()).ToList();
    }
}
