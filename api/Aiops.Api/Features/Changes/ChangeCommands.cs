using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Changes;

/// <summary>Every maintenance/change window, newest start first.</summary>
public sealed record ListChangesQuery : IQuery<IReadOnlyList<ChangeWindow>>;

public sealed class ListChangesHandler(IGrainFactory grains) : IQueryHandler<ListChangesQuery, IReadOnlyList<ChangeWindow>>
{
    public async ValueTask<IReadOnlyList<ChangeWindow>> Handle(ListChangesQuery query, CancellationToken cancellationToken) =>
        (await grains.GetGrain<IChangeCalendarGrain>("default").List()).Windows;
}

/// <summary>Registers a window on a known CI; null when the CI is not in the CMDB.</summary>
public sealed record AddChangeCommand(ChangeWindow Window) : ICommand<ChangeWindow?>;

public sealed class AddChangeHandler(IGrainFactory grains) : ICommandHandler<AddChangeCommand, ChangeWindow?>
{
    public async ValueTask<ChangeWindow?> Handle(AddChangeCommand command, CancellationToken cancellationToken)
    {
        if (await grains.GetGrain<ICmdbGrain>("default").GetCi(command.Window.Ci) is null)
        {
            return null;
        }

        var stored = await grains.GetGrain<IChangeCalendarGrain>("default").Add(command.Window);

        // The incident manager re-reads the calendar on its own within seconds; tell it now so events that follow are judged by it.
        await grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();
        return stored;
    }
}

/// <summary>Removes a window; false when unknown.</summary>
public sealed record RemoveChangeCommand(string Id) : ICommand<bool>;

public sealed class RemoveChangeHandler(IGrainFactory grains) : ICommandHandler<RemoveChangeCommand, bool>
{
    public async ValueTask<bool> Handle(RemoveChangeCommand command, CancellationToken cancellationToken)
    {
        var removed = await grains.GetGrain<IChangeCalendarGrain>("default").Remove(command.Id);
        if (removed)
        {
            await grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();
        }

        return removed;
    }
}
