using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
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

    /// <summary>Whether the connector has acknowledged the creation (after that, deliveries are updates).</summary>
    [Id(2)] public bool Delivered { get; set; }

    /// <summary>Incident state at the last delivery, to tell updates from resolutions and re-openings.</summary>
    [Id(3)] public IncidentState? DeliveredState { get; set; }
}

/// <summary>
/// The one ticket of an incident (key: incident id). Always kept in our own store; when a webhook is configured, every
/// change is delivered as a signed JSON POST: created once, then updated, resolved, re-opened. Delivery runs off the
/// caller's turn and retries with capped exponential backoff until it succeeds; the <c>Idempotency-Key</c> header is the
/// incident id (with <c>X-Aiops-Revision</c>), so a retried or repeated delivery never makes a receiver open a second
/// ticket, and a silo restart resumes from the persisted pending revision.
/// </summary>
public sealed partial class TicketGrain(
    [PersistentState("ticket")] IPersistentState<TicketState> state,
    IHttpClientFactory httpFactory,
    IOptions<TicketOptions> options,
    TimeProvider time,
    ILogger<TicketGrain> logger)
    : Grain, ITicketGrain
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly TicketOptions _options = options.Value;
    private IGrainTimer? _timer;
    private int _attempt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Pending is not null)
        {
            Schedule(TimeSpan.Zero);
        }

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

        if (!s.Delivered && incident.State == IncidentState.Closed)
        {
            // Merged away (or closed) before its ticket was due: no ticket, no page.
            s.Pending = null;
            s.Ticket = null;
            await state.WriteStateAsync();
            return;
        }

        var evt = !s.Delivered ? "created"
            : incident.State is IncidentState.Resolved ? "resolved"
            : incident.State is IncidentState.Closed ? "closed"
            : s.DeliveredState is IncidentState.Resolved or IncidentState.Closed ? "reopened"
            : "updated";
        string? error = null;
        if (!string.IsNullOrEmpty(_options.WebhookUrl))
        {
            error = await PostAsync(evt, ticket, incident, ct);
        }

        if (error is null)
        {
            _attempt = 0;
            s.Delivered = true;
            s.DeliveredState = incident.State;
            s.Pending = null;
            s.Ticket = ticket with
            {
                SyncedRevision = incident.Revision,
                Deliveries = ticket.Deliveries + (string.IsNullOrEmpty(_options.WebhookUrl) ? 0 : 1),
                LastError = null,
                LastSyncAt = time.GetUtcNow(),
                History = ticket.History.TakeLast(199).Append($"{time.GetUtcNow():O} {evt} (revision {incident.Revision}, {incident.State.Name()})").ToList(),
            };
            await state.WriteStateAsync();
            await Report();

            // A newer revision may have arrived while this one was on the wire.
            return;
        }

        _attempt++;
        s.Ticket = ticket with { FailedAttempts = ticket.FailedAttempts + 1, LastError = error };
        await state.WriteStateAsync();
        var backoff = TimeSpan.FromSeconds(Math.Min(_options.MaxBackoffSeconds, Math.Pow(2, Math.Min(_attempt, 16))));
        LogDeliveryFailed(logger, ticket.TicketId, _attempt, backoff.TotalSeconds, error);
        Schedule(backoff);
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
                opened = DateTimeOffset.UnixEpoch.AddTicks(incident.OpenedNs / 100),
                resolved = incident.ResolvedNs is { } r ? DateTimeOffset.UnixEpoch.AddTicks(r / 100) : (DateTimeOffset?)null,
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
