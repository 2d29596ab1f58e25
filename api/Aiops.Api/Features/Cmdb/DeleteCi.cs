using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Deletes a CI and its relations.</summary>
public sealed record DeleteCiCommand(string Id, string ChangedBy) : ICommand<CmdbWriteResult>;

public sealed class DeleteCiHandler(IGrainFactory grains) : ICommandHandler<DeleteCiCommand, CmdbWriteResult>
{
    public async ValueTask<CmdbWriteResult> Handle(DeleteCiCommand command, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).DeleteCi(command.Id, command.ChangedBy);
}
