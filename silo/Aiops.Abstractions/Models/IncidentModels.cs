namespace Aiops.Abstractions.Models;

/// <summary>Incident lifecycle (DESIGN §7): open → acknowledged → resolved → closed; re-opened within the flap window.</summary>
public enum IncidentState
{
    Open = 0,
    Acknowledged = 1,
    Resolved = 2,
    Closed = 3,
}

/// <summary>Wire names of incident states.</summary>
public static class IncidentStates
{
    /// <summary>Lowercase name, as written to <c>aiops_incident</c>, served by the API and sent to ticket connectors.</summary>
    public static string Name(this IncidentState state) => state switch
    {
        IncidentState.Open => "open",
        IncidentState.Acknowledged => "acknowledged",
        IncidentState.Resolved => "resolved",
        _ => "closed",
    };
}

/// <summary>One CI series taking part in an incident.</summary>
[GenerateSerializer, Immutable, Alias("aiops.IncidentMember")]
public sealed record IncidentMember(
    [property: Id(0)] string Ci,
    [property: Id(1)] string Series,
    [property: Id(2)] string Kind,
    [property: Id(3)] long FirstNs,
    [property: Id(4)] long LastNs,
    [property: Id(5)] double MaxScore,
    [property: Id(6)] bool Recovered,
    [property: Id(7)] string? Maintenance = null);

/// <summary>A root-cause candidate with its rank (1 = most likely) and why.</summary>
[GenerateSerializer, Immutable, Alias("aiops.RootCause")]
public sealed record RootCause(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Ci,
    [property: Id(2)] double Score,
    [property: Id(3)] double Coverage,
    [property: Id(4)] bool Reported,
    [property: Id(5)] string Reason);

/// <summary>One line of an incident's timeline; <paramref name="TimeNs"/> is event time, <paramref name="At"/> wall time.</summary>
[GenerateSerializer, Immutable, Alias("aiops.TimelineEntry")]
public sealed record TimelineEntry(
    [property: Id(0)] long TimeNs,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Text,
    [property: Id(4)] string? By);

/// <summary>
/// An incident as the incident manager keeps and serves it. <see cref="Suppressed"/>: every member is inside a
/// maintenance window, so it does not page (no ticket); <see cref="LikelyChanges"/>: changes on the root CI in the 24 h
/// before the incident, shown as likely causes.
/// </summary>
[GenerateSerializer, Immutable, Alias("aiops.IncidentRecord")]
public sealed record IncidentRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Title,
    [property: Id(2)] IncidentState State,
    [property: Id(3)] string Severity,
    [property: Id(4)] bool Predicted,
    [property: Id(5)] string RootCi,
    [property: Id(6)] IReadOnlyList<RootCause> RootCauses,
    [property: Id(7)] IReadOnlyList<IncidentMember> Members,
    [property: Id(8)] IReadOnlyList<string> EventIds,
    [property: Id(9)] long OpenedNs,
    [property: Id(10)] long LastEventNs,
    [property: Id(11)] long? ResolvedNs,
    [property: Id(12)] int Reopens,
    [property: Id(13)] IReadOnlyList<TimelineEntry> Timeline,
    [property: Id(14)] int Revision,
    [property: Id(15)] bool Suppressed = false,
    [property: Id(16)] IReadOnlyList<string>? LikelyChanges = null);

/// <summary>
/// The ticket of one incident, as the ticket grain keeps it. <see cref="Deliveries"/>, <see cref="FailedAttempts"/>,
/// <see cref="LastError"/> and <see cref="WebhookSyncedRevision"/> are the webhook's delivery status; the <c>Itsm*</c>
/// members and <see cref="ExternalId"/> (the ITSM's id, e.g. a ServiceNow <c>sys_id</c>) are the ITSM connector's.
/// <see cref="SyncedRevision"/> is the newest revision every configured connector has.
/// </summary>
[GenerateSerializer, Immutable, Alias("aiops.TicketRecord")]
public sealed record TicketRecord(
    [property: Id(0)] string IncidentId,
    [property: Id(1)] string TicketId,
    [property: Id(2)] string Status,
    [property: Id(3)] int SyncedRevision,
    [property: Id(4)] int PendingRevision,
    [property: Id(5)] int Deliveries,
    [property: Id(6)] int FailedAttempts,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? LastSyncAt,
    [property: Id(10)] IReadOnlyList<string> History,
    [property: Id(11)] int WebhookSyncedRevision = 0,
    [property: Id(12)] string? ExternalId = null,
    [property: Id(13)] int ItsmSyncedRevision = 0,
    [property: Id(14)] int ItsmDeliveries = 0,
    [property: Id(15)] int ItsmFailedAttempts = 0,
    [property: Id(16)] string? ItsmLastError = null,
    [property: Id(17)] string? ItsmState = null);
