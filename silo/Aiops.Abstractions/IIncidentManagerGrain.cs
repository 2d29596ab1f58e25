using Aiops.Abstractions.Models;

namespace Aiops.Abstractions;

/// <summary>
/// The incident manager (key <c>"all"</c>): follows the <c>anomalies</c> and <c>predictions</c> streams, correlates
/// events through the CMDB into incidents, runs their lifecycle and keeps one ticket per incident in sync.
/// </summary>
[Alias("aiops.IIncidentManagerGrain")]
public interface IIncidentManagerGrain : IGrainWithStringKey
{
    /// <summary>Incidents, newest first; <paramref name="state"/>: <c>active</c> (open or acknowledged), <c>open</c>, <c>acknowledged</c>, <c>resolved</c>, <c>closed</c> or <c>all</c>.</summary>
    Task<IReadOnlyList<IncidentRecord>> List(string state, int limit);

    /// <summary>One incident, or null.</summary>
    Task<IncidentRecord?> Get(string id);

    /// <summary>Acknowledges an open incident; false when it does not exist or is not open.</summary>
    Task<bool> Acknowledge(string id, string by);

    /// <summary>Resolves an incident by hand; false when it does not exist or is already resolved or closed.</summary>
    Task<bool> Resolve(string id, string by);

    /// <summary>Adds a comment to the timeline (and the ticket); false when the incident does not exist.</summary>
    Task<bool> Comment(string id, string by, string text);

    /// <summary>Re-reads the CMDB now (the manager also re-reads it by itself when it changes).</summary>
    Task RefreshCmdb();
}

/// <summary>The ticket of one incident (key: the incident id): created once, then updated; retried with backoff.</summary>
[Alias("aiops.ITicketGrain")]
public interface ITicketGrain : IGrainWithStringKey
{
    /// <summary>Brings the ticket up to this incident revision (creating it the first time); returns at once, delivery retries in the background.</summary>
    Task Sync(IncidentRecord incident);

    /// <summary>The ticket, or null when none was created.</summary>
    Task<TicketRecord?> Get();
}

/// <summary>Directory of tickets (key <c>"all"</c>) for <c>GET /api/v1/tickets</c>.</summary>
[Alias("aiops.ITicketDirectoryGrain")]
public interface ITicketDirectoryGrain : IGrainWithStringKey
{
    Task Report(TicketRecord ticket);

    Task<IReadOnlyList<TicketRecord>> List(int limit);
}
