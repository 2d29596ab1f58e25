using Aiops.Abstractions;
using Mediator;

namespace Aiops.Api.Features.Hosts;

/// <summary>The live state of one host, or null when it has sent nothing.</summary>
public sealed record GetHostQuery(string Host) : IQuery<HostDetailDto?>;

public sealed class GetHostHandler(IGrainFactory grains) : IQueryHandler<GetHostQuery, HostDetailDto?>
{
    public async ValueTask<HostDetailDto?> Handle(GetHostQuery query, CancellationToken cancellationToken)
    {
        var state = await grains.GetGrain<IHostGrain>(query.Host).GetState();
        return state.PointCount == 0 && state.Series.Count == 0 ? null : state.ToDto();
    }
}
