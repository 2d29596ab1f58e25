namespace Aiops.Grains.Incidents;

/// <summary>Incident lifecycle settings (section <c>Aiops:Incidents</c>). Times are event time unless said otherwise.</summary>
public sealed class IncidentOptions
{
    public const string Section = "Aiops:Incidents";

    /// <summary>Minutes every member must have stayed recovered before the incident resolves by itself (default 10).</summary>
    public int ResolveHoldMinutes { get; set; } = 10;

    /// <summary>Minutes after resolution within which the same problem re-opens the incident instead of opening a new one (default 30).</summary>
    public int FlapWindowMinutes { get; set; } = 30;

    /// <summary>Hours after resolution at which an incident closes for good (default 24).</summary>
    public int CloseAfterHours { get; set; } = 24;

    /// <summary>Events kept to rebuild the correlator after a restart or a CMDB change (default 20,000; the last 24 h at most).</summary>
    public int ReplayEvents { get; set; } = 20_000;

    /// <summary>Incidents kept (default 5,000); the oldest closed ones go first.</summary>
    public int MaxIncidents { get; set; } = 5_000;

    /// <summary>Wall-clock seconds between checks for CMDB changes (default 15).</summary>
    public int TimerSeconds { get; set; } = 15;
}

/// <summary>Ticket connector settings (section <c>Aiops:Tickets</c>).</summary>
public sealed class TicketOptions
{
    public const string Section = "Aiops:Tickets";

    /// <summary>Generic webhook: JSON POST of the ticket on every change, signed with HMAC-SHA256 when <see cref="WebhookSecret"/> is set. Empty = no webhook (tickets are still kept).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Shared secret of the <c>X-Aiops-Signature: sha256=&lt;hex&gt;</c> header (HMAC-SHA256 over the exact body).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// Wall-clock seconds a new incident waits before its ticket is created (default 30). A storm first opens a few
    /// fragments that the correlator folds into one incident within seconds; a fragment merged away in that time never
    /// gets a ticket, so a fault pages once.
    /// </summary>
    public int CreateDelaySeconds { get; set; } = 30;

    /// <summary>Timeout of one delivery attempt, in seconds (default 10).</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Longest backoff between delivery retries, in seconds (default 300); retries go on until delivered.</summary>
    public int MaxBackoffSeconds { get; set; } = 300;

    /// <summary>ITSM REST connector (section <c>Aiops:Tickets:Itsm</c>); off unless its <c>BaseUrl</c> is set. Can run alongside the webhook.</summary>
    public Connectors.ItsmOptions Itsm { get; set; } = new();
}
