using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Cmdb;

/// <summary>Imports a §9.3 JSON or two-section CSV text; bad records are skipped and listed.</summary>
public sealed record ImportCmdbCommand(string Text, CmdbFormat Format, CmdbImportMode Mode, string ChangedBy) : ICommand<ImportResultDto>;

public sealed class ImportCmdbHandler(IGrainFactory grains) : ICommandHandler<ImportCmdbCommand, ImportResultDto>
{
    public async ValueTask<ImportResultDto> Handle(ImportCmdbCommand command, CancellationToken cancellationToken)
    {
        var counts = await grains.GetGrain<ICmdbGrain>(ICmdbGrain.DefaultKey).ImportText(command.Text, command.Format, command.Mode, command.ChangedBy);
        return counts.ToDto(command.Mode);
    }
}
