using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>The whole CMDB as §9.3 JSON or two-section CSV.</summary>
public sealed record ExportCmdbQuery(CmdbFormat Format) : IQuery<string>;

public sealed class ExportCmdbHandler(IGrainFactory grains) : IQueryHandler<ExportCmdbQuery, string>
{
    public async ValueTask<string> Handle(ExportCmdbQuery query, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).ExportText(query.Format);
}
