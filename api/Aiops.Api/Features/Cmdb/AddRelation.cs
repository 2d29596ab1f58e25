using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Adds a relation whose ends both exist.</summary>
public sealed record AddRelationCommand(CmdbLink Relation, string ChangedBy) : ICommand<CmdbWriteResult>;

public sealed class AddRelationHandler(IGrainFactory grains) : ICommandHandler<AddRelationCommand, CmdbWriteResult>
{
    public async ValueTask<CmdbWriteResult> Handle(AddRelationCommand command, CancellationToken cancellationToken) =>
        await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).AddRelation(command.Relation, command.ChangedBy);
}
