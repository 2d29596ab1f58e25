using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Grains.Incidents.Connectors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Aiops.Grains.Incidents;

/// <summary>Persisted state of one ticket.</summary>
[GenerateSerializer, Alias("aiops.TicketState")]
public sealed class TicketState
{
    [Id(0)] public TicketRecord? Ticket { get; set; }

    /// <summary>The newest incident revision not yet delivered, or null.</summary>
    [Id(1)] public IncidentRecord? Pending { get; set; }

    /// <summary>Whether every configured connector has acknowledged the creation (after that, deliveries are updates).</summary>
    [Id(2)] public bool Delivered { get; set; }

    /// <summary>Incident state at the last delivery, to tell updates from resolutions and re-openings.</summary>
    [Id(3)] public IncidentState? DeliveredState { get; set; }

    /// <summary>
    /// Set (and persisted) before the first ITSM create is sent: from then on the outcome of a create may be unknown
    /// (timeout, silo crash), so every later create is preceded by a lookup by correlation id.
    /// </summary>
    [Id(4)] public bool ItsmCreateSent { get; set; }

    /// <summary>Incident state last sent to the ITSM: an update carries <c>state</c> only when the lifecycle changed, so a routine update never overwrites what an operator set there.</summary>
    [Id(5)] public IncidentState? ItsmDeliveredState { get; set; }
}

/// <summary>
/// The one ticket of an incident (key: incident id). Always kept in our own store; then delivered to each configured
/// connector, each with its own status on the <see cref="TicketRecord"/>:
/// <list type="bullet">
/// <item>generic webhook: every change as a signed JSON POST (created once, then updated, resolved, re-opened),
/// <c>Idempotency-Key</c> = incident id (with <c>X-Aiops-Revision</c>);</item>
/// <item>ITSM REST (<see cref="ItsmConnector"/>): created once (<c>POST</c>, <c>Idempotency-Key</c> and correlation field =
/// incident id; after any attempt whose outcome is unknown, a lookup by correlation id comes first), then <c>PATCH</c>ed;
/// open tickets are polled every <see cref="ItsmOptions.PollSeconds"/> and a resolution in the ITSM resolves the incident
/// as <c>itsm:&lt;by&gt;</c>, which is not sent back (no ping-pong).</item>
/// </list>
/// Delivery runs off the caller's turn and retries with capped exponential backoff until every connector has the newest
/// revision; a silo restart resumes from the persisted pending revision.
/// </summary>
public sealed partial class TicketGrain(
    [PersistentState("ticket")] IPersistentState<TicketState> state,
    IHttpClientFactory httpFactory,
    IOptions<TicketOptions> options,
    TimeProvider time,
    ILogger<TicketGrain> logger)
    : Grain, ITicketGrain
{
    /// <summary>The prefix of <c>by</c> on resolutions that came from the ITSM.</summary>
    public const string ItsmActor = "itsm:";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TicketOptions _options = options.Value;
    private IGrainTimer? _timer;
    private IGrainTimer? _poll;
    private int _attempt;

    private bool WebhookOn => !string.IsNullOrEmpty(_options.WebhookUrl);

    private bool ItsmOn => _options.Itsm.Enabled;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Pending is not null)
        {
            Schedule(TimeSpan.Zero);
        }

        UpdatePolling();
        return base.OnActivateAsync(cancellationToken);
    }

    public async Task Sync(IncidentRecord incident)
    {
        var s = state.State;
        if (s.Ticket is not null && incident.Revision <= Math.Max(s.Ticket.SyncedRevision, s.Ticket.PendingRevision))
        {
            return;
        }

        var now = time.GetUtcNow();
        var ticket = s.Ticket ?? new TicketRecord(incident.Id, "TKT-" + incident.Id.Replace("INC-", string.Empty, StringComparison.Ordinal), "new", 0, 0, 0, 0, null, now, null, []);
        var first = s.Ticket is null;
        s.Ticket = ticket with { Status = Status(incident), PendingRevision = incident.Revision };
        s.Pending = incident;
        await state.WriteStateAsync();
        if (s.Delivered)
        {
            await Report();
            Schedule(TimeSpan.Zero);
        }
        else if (first)
        {
            Schedule(TimeSpan.FromSeconds(_options.CreateDelaySeconds));
        }
    }

    public Task<TicketRecord?> Get() => Task.FromResult(state.State.Ticket);

    private void Schedule(TimeSpan due)
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(DeliverAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task DeliverAsync(CancellationToken ct)
    {
        var s = state.State;
        if (s.Pending is not { } incident || s.Ticket is not { } ticket)
        {
            return;
        }

        var nothingSent = !s.Delivered && ticket.WebhookSyncedRevision == 0 && ticket.ExternalId is null && !s.ItsmCreateSent;
        if (nothingSent && incident.State == IncidentState.Closed)
        {
            // Merged away (or closed) before its ticket was due: no ticket, no page.
            s.Pending = null;
            s.Ticket = null;
            await state.WriteStateAsync();
            return;
        }

        var evt = !s.Delivered ? "created" : Lifecycle(s, incident);
        string? error = null;

        // Each connector keeps its own synced revision, so a retry after one of them failed does not resend to the other.
        if (WebhookOn && Math.Max(ticket.WebhookSyncedRevision, ticket.SyncedRevision) < incident.Revision)
        {
            var webhookEvt = s.Delivered || ticket.WebhookSyncedRevision > 0 ? Lifecycle(s, incident) : "created";
            error = await PostAsync(webhookEvt, ticket, incident, ct);
            ticket = s.Ticket!;
            s.Ticket = error is null
                ? ticket with { WebhookSyncedRevision = incident.Revision, Deliveries = ticket.Deliveries + 1, LastError = null }
                : ticket with { FailedAttempts = ticket.FailedAttempts + 1, LastError = error };
            await state.WriteStateAsync();
        }

        if (ItsmOn && s.Ticket!.ItsmSyncedRevision < incident.Revision)
        {
            // Tried even when the webhook just failed: one connector being down must not hold up the other.
            var itsmError = await DeliverItsmAsync(incident, ct);
            error ??= itsmError;
        }

        ticket = s.Ticket!;
        if (error is null)
        {
            _attempt = 0;
            s.Delivered = true;
            s.DeliveredState = incident.State;
            s.Pending = null;
            s.Ticket = ticket with
            {
                SyncedRevision = incident.Revision,
                LastSyncAt = time.GetUtcNow(),
                History = ticket.History.TakeLast(199).Append($"{time.GetUtcNow():O} {evt} (revision {incident.Revision}, {incident.State.Name()})").ToList(),
            };
            await state.WriteStateAsync();
            await Report();
            UpdatePolling();

            // A newer revision may have arrived while this one was on the wire.
            return;
        }

        _attempt++;
        var backoff = TimeSpan.FromSeconds(Math.Min(_options.MaxBackoffSeconds, Math.Pow(2, Math.Min(_attempt, 16))));
        LogDeliveryFailed(logger, ticket.TicketId, _attempt, backoff.TotalSeconds, error);
        await Report();
        Schedule(backoff);
    }

    private static string Lifecycle(TicketState s, IncidentRecord incident) =>
        incident.State is IncidentState.Resolved ? "resolved"
        : incident.State is IncidentState.Closed ? "closed"
        : s.DeliveredState is IncidentState.Resolved or IncidentState.Closed ? "reopened"
        : "updated";

    /// <summary>Brings the ITSM ticket to this revision: create once (looking up first when an earlier create may have landed), then update. Returns the error, or null.</summary>
    private async Task<string?> DeliverItsmAsync(IncidentRecord incident, CancellationToken ct)
    {
        var s = state.State;
        var itsm = Connector();
        string what;
        ItsmResult result;
        if (s.Ticket!.ExternalId is null)
        {
            var found = (string?)null;
            if (s.ItsmCreateSent)
            {
                // An earlier create timed out, failed ambiguously or was cut by a restart: the ITSM may hold the ticket already.
                var lookup = await itsm.LookupAsync(incident.Id, ct);
                if (lookup.Error is not null)
                {
                    return await ItsmFailedAsync(lookup.Error);
                }

                found = lookup.ExternalId;
            }

            if (found is not null)
            {
                s.Ticket = s.Ticket with { ExternalId = found };
                await state.WriteStateAsync();
                result = await itsm.UpdateAsync(found, incident, includeState: true, ct);
                what = $"itsm found {found} by correlation id, updated";
            }
            else
            {
                // Persist the intent before the call: whatever happens to this request, the next attempt looks up first.
                s.ItsmCreateSent = true;
                await state.WriteStateAsync();
                result = await itsm.CreateAsync(incident, ct);
                if (result.Error is null)
                {
                    s.Ticket = s.Ticket with { ExternalId = result.ExternalId };
                }

                what = $"itsm created {result.ExternalId}";
            }
        }
        else if (ResolvedByItsm(incident))
        {
            // The ITSM is where this resolution came from: sending it back would be a change the ITSM did not need and,
            // with a rule there reacting to updates, the start of a loop.
            result = new ItsmResult(null);
            what = "itsm resolution not echoed";
        }
        else
        {
            result = await itsm.UpdateAsync(s.Ticket.ExternalId, incident, includeState: s.ItsmDeliveredState != incident.State, ct);
            what = $"itsm updated {s.Ticket.ExternalId}";
        }

        if (result.Error is not null)
        {
            return await ItsmFailedAsync(result.Error);
        }

        var t = s.Ticket!;
        s.ItsmDeliveredState = incident.State;
        s.Ticket = t with
        {
            ItsmSyncedRevision = incident.Revision,
            ItsmDeliveries = t.ItsmDeliveries + (what.StartsWith("itsm resolution", StringComparison.Ordinal) ? 0 : 1),
            ItsmLastError = null,
            History = t.History.TakeLast(199).Append($"{time.GetUtcNow():O} {what} (revision {incident.Revision})").ToList(),
        };
        await state.WriteStateAsync();
        return null;
    }

    private async Task<string> ItsmFailedAsync(string error)
    {
        var t = state.State.Ticket!;
        state.State.Ticket = t with { ItsmFailedAttempts = t.ItsmFailedAttempts + 1, ItsmLastError = error };
        await state.WriteStateAsync();
        return error;
    }

    /// <summary>Whether the incident's current resolution was made by the ITSM (it is resolved and its newest resolution is by <c>itsm:…</c>).</summary>
    private static bool ResolvedByItsm(IncidentRecord incident) =>
        incident.State == IncidentState.Resolved
        && incident.Timeline.LastOrDefault(t => t.Kind == "resolved") is { By: { } by }
        && by.StartsWith(ItsmActor, StringComparison.Ordinal);

    private ItsmConnector Connector()
    {
        var http = httpFactory.CreateClient(nameof(TicketGrain));
        http.Timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
        return new ItsmConnector(http, _options.Itsm);
    }

    /// <summary>Polls while the ITSM ticket exists and the incident is open or acknowledged; stops otherwise.</summary>
    private void UpdatePolling()
    {
        var s = state.State;
        var open = (s.Pending?.State ?? s.DeliveredState) is IncidentState.Open or IncidentState.Acknowledged;
        if (ItsmOn && _options.Itsm.PollSeconds > 0 && s.Ticket?.ExternalId is not null && open)
        {
            if (_poll is null)
            {
                var period = TimeSpan.FromSeconds(_options.Itsm.PollSeconds);
                _poll = this.RegisterGrainTimer(PollAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
            }
        }
        else
        {
            _poll?.Dispose();
            _poll = null;
        }
    }

    private async Task PollAsync(CancellationToken ct)
    {
        var s = state.State;
        if (s.Ticket is not { ExternalId: { } externalId } ticket)
        {
            return;
        }

        var result = await Connector().PollAsync(externalId, ct);
        if (result.Error is not null)
        {
            // A failed poll is not a failed delivery: the next poll (or the callback) catches up.
            LogPollFailed(logger, ticket.TicketId, result.Error);
            return;
        }

        if (result.State != ticket.ItsmState)
        {
            s.Ticket = ticket with { ItsmState = result.State };
            await state.WriteStateAsync();
            await Report();
        }

        if (Connector().IsResolved(result.State))
        {
            _poll?.Dispose();
            _poll = null;
            await GrainFactory.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).Resolve(ticket.IncidentId, ItsmActor + (result.By ?? "unknown"));
        }
    }

    private async Task<string?> PostAsync(string evt, TicketRecord ticket, IncidentRecord incident, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            @event = evt,
            ticket = new
            {
                id = ticket.TicketId,
                incidentId = incident.Id,
                revision = incident.Revision,
                status = Status(incident),
                title = incident.Title,
                severity = incident.Severity,
                predicted = incident.Predicted,
                rootCi = incident.RootCi,
                rootCauses = incident.RootCauses,
                members = incident.Members,
                reopens = incident.Reopens,
                opened = UnixNanos.ToTime(incident.OpenedNs),
                resolved = incident.ResolvedNs is { } r ? UnixNanos.ToTime(r) : (DateTimeOffset?)null,
                timeline = incident.Timeline.TakeLast(20),
            },
        }, Json);
        try
        {
            using var http = httpFactory.CreateClient(nameof(TicketGrain));
            http.Timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Add("Idempotency-Key", incident.Id);
            request.Headers.Add("X-Aiops-Revision", incident.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add("X-Aiops-Event", evt);
            if (!string.IsNullOrEmpty(_options.WebhookSecret))
            {
                request.Headers.Add("X-Aiops-Signature", "sha256=" + Sign(body, _options.WebhookSecret));
            }

            using var response = await http.SendAsync(request, ct);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return ex.Message;
        }
    }

    /// <summary>Lowercase hex HMAC-SHA256 of <paramref name="body"/>: what a receiver recomputes to check <c>X-Aiops-Signature</c>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static string Status(IncidentRecord i) => i.State.Name();

    private Task Report() => GrainFactory.GetGrain<ITicketDirectoryGrain>("all").Report(state.State.Ticket!);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ticket {TicketId}: polling the ITSM failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string ticketId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ticket {TicketId} delivery attempt {Attempt} failed, retrying in {BackoffSeconds} s: {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, string ticketId, int attempt, double backoffSeconds, string error);
}

/// <summary>Persisted state of the ticket directory.</summary>
[GenerateSerializer, Alias("aiops.TicketDirectoryState")]
public sealed class TicketDirectoryState
{
    [Id(0)] public Dictionary<string, TicketRecord> Tickets { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Directory of tickets for the API; each ticket grain re-reports on every change. Persisted, bounded to the newest 10,000.</summary>
public sealed class TicketDirectoryGrain([PersistentState("tickets")] IPersistentState<TicketDirectoryState> state) : Grain, ITicketDirectoryGrain
{
    private const int Capacity = 10_000;

    public async Task Report(TicketRecord ticket)
    {
        var tickets = state.State.Tickets;
        tickets[ticket.IncidentId] = ticket;
        if (tickets.Count > Capacity)
        {
            tickets.Remove(tickets.Values.MinBy(t => t.LastSyncAt ?? t.CreatedAt)!.IncidentId);
        }

        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<TicketRecord>> List(int limit) =>
        Task.FromResult<IReadOnlyList<TicketRecord>>(state.State.Tickets.Values.OrderByDescending(t => t.LastSyncAt ?? t.CreatedAt).Take(limit).ToList());
}
