using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Creates or replaces a CI; the grain validates it and versions the change.</summary>
public sealed record UpsertCiCommand(CmdbCi Ci, string ChangedBy) : ICommand<CmdbWriteResult>;

public sealed class UpsertCiHandler(IGrainFactory grains) : ICommandHandler<UpsertCiCommand, CmdbWriteResult>
{
    public async ValueTask<CmdbWriteResult> Handle(UpsertCiCommand command, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).UpsertCi(command.Ci, command.ChangedBy);
}
