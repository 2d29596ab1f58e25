using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Removes one relation.</summary>
public sealed record RemoveRelationCommand(CmdbLink Relation, string ChangedBy) : ICommand<CmdbWriteResult>;

public sealed class RemoveRelationHandler(IGrainFactory grains) : ICommandHandler<RemoveRelationCommand, CmdbWriteResult>
{
    public async ValueTask<CmdbWriteResult> Handle(RemoveRelationCommand command, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).RemoveRelation(command.Relation, command.ChangedBy);
}
