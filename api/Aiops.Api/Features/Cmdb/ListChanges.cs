using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Changes after version <see cref="Since"/>, oldest first.</summary>
public sealed record ListChangesQuery(long Since, int Limit) : IQuery<IReadOnlyList<CmdbChange>>;

public sealed class ListChangesHandler(IGrainFactory grains) : IQueryHandler<ListChangesQuery, IReadOnlyList<CmdbChange>>
{
    public async ValueTask<IReadOnlyList<CmdbChange>> Handle(ListChangesQuery query, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).GetChanges(query.Since, query.Limit);
}
