using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Mediator;

namespace Aiops.Api.Features.Incidents;

/// <summary>An incident as the API shows it; times ISO-8601 UTC (event time), timeline entries also carry wall time.</summary>
public sealed record IncidentDto(
    string Id,
    string Title,
    string State,
    string Severity,
    bool Predicted,
    string RootCi,
    IReadOnlyList<RootCause> RootCauses,
    IReadOnlyList<IncidentMemberDto> Members,
    int Events,
    DateTimeOffset Opened,
    DateTimeOffset LastEvent,
    DateTimeOffset? Resolved,
    int Reopens,
    int Revision,
    IReadOnlyList<TimelineEntryDto> Timeline,
    TicketRecord? Ticket,
    bool Suppressed,
    IReadOnlyList<string> LikelyChanges);

public sealed record IncidentMemberDto(string Ci, string Series, string Kind, DateTimeOffset First, DateTimeOffset Last, double MaxScore, bool Recovered, string? Maintenance);

public sealed record TimelineEntryDto(DateTimeOffset Time, DateTimeOffset At, string Kind, string Text, string? By);

internal static class IncidentMapping
{
    public static IncidentDto ToDto(this IncidentRecord i, TicketRecord? ticket) => new(
        i.Id,
        i.Title,
        i.State.Name(),
        i.Severity,
        i.Predicted,
        i.RootCi,
        i.RootCauses,
        i.Members.Select(m => new IncidentMemberDto(m.Ci, m.Series, m.Kind, UnixNanos.ToTime(m.FirstNs), UnixNanos.ToTime(m.LastNs), m.MaxScore, m.Recovered, m.Maintenance)).ToList(),
        i.EventIds.Count,
        UnixNanos.ToTime(i.OpenedNs),
        UnixNanos.ToTime(i.LastEventNs),
        i.ResolvedNs is { } r ? UnixNanos.ToTime(r) : null,
        i.Reopens,
        i.Revision,
        i.Timeline.Select(t => new TimelineEntryDto(UnixNanos.ToTime(t.TimeNs), t.At, t.Kind, t.Text, t.By)).ToList(),
        ticket,
        i.Suppressed,
        i.LikelyChanges ?? []);
}

/// <summary>Incidents, newest first.</summary>
public sealed record ListIncidentsQuery(string State, int Limit) : IQuery<IReadOnlyList<IncidentDto>>;

public sealed class ListIncidentsHandler(IGrainFactory grains) : IQueryHandler<ListIncidentsQuery, IReadOnlyList<IncidentDto>>
{
    public async ValueTask<IReadOnlyList<IncidentDto>> Handle(ListIncidentsQuery query, CancellationToken cancellationToken)
    {
        var incidents = await grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).List(query.State, query.Limit);
        return incidents.Select(i => i.ToDto(null)).ToList();
    }
}

/// <summary>One incident with its ticket, or null.</summary>
public sealed record GetIncidentQuery(string Id) : IQuery<IncidentDto?>;

public sealed class GetIncidentHandler(IGrainFactory grains) : IQueryHandler<GetIncidentQuery, IncidentDto?>
{
    public async ValueTask<IncidentDto?> Handle(GetIncidentQuery query, CancellationToken cancellationToken)
    {
        var incident = await grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).Get(query.Id);
        return incident is null ? null : incident.ToDto(await grains.GetGrain<ITicketGrain>(incident.Id).Get());
    }
}

/// <summary>acknowledge, resolve or comment; false when the incident does not exist or the action does not apply.</summary>
public sealed record IncidentActionCommand(string Id, string Action, string By, string? Text) : ICommand<bool>;

public sealed class IncidentActionHandler(IGrainFactory grains) : ICommandHandler<IncidentActionCommand, bool>
{
    public async ValueTask<bool> Handle(IncidentActionCommand command, CancellationToken cancellationToken)
    {
        var manager = grains.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey);
        return command.Action switch
        {
            "acknowledge" => await manager.Acknowledge(command.Id, command.By),
            "resolve" => await manager.Resolve(command.Id, command.By),
            "comment" => await manager.Comment(command.Id, command.By, command.Text ?? string.Empty),
            _ => false,
        };
    }
}

/// <summary>Tickets, newest first.</summary>
public sealed record ListTicketsQuery(int Limit) : IQuery<IReadOnlyList<TicketRecord>>;

public sealed class ListTicketsHandler(IGrainFactory grains) : IQueryHandler<ListTicketsQuery, IReadOnlyList<TicketRecord>>
{
    public async ValueTask<IReadOnlyList<TicketRecord>> Handle(ListTicketsQuery query, CancellationToken cancellationToken) =>
        await grains.GetGrain<ITicketDirectoryGrain>(AnomalyStreams.AllKey).List(query.Limit);
}
