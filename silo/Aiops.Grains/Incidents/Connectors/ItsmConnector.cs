using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiops.Abstractions.Models;

namespace Aiops.Grains.Incidents.Connectors;

/// <summary>
/// ITSM REST connector settings (section <c>Aiops:Tickets:Itsm</c>), shaped after the ServiceNow Table API (Jira and
/// other tools fit by changing the paths, the JSON paths and the state map). Off while <see cref="BaseUrl"/> is empty.
/// </summary>
public sealed class ItsmOptions
{
    /// <summary>Base address of the ITSM, e.g. <c>https://acme.service-now.com</c>. Empty (default) = connector off.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Bearer token; takes precedence over <see cref="Username"/>/<see cref="Password"/> (Basic).</summary>
    public string? Token { get; set; }

    /// <summary>Basic-auth user (used when <see cref="Token"/> is empty).</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password.</summary>
    public string? Password { get; set; }

    /// <summary>Path of the create call (<c>POST</c>), and of the lookup by correlation id (<c>GET</c>). Default <c>/api/now/table/incident</c>.</summary>
    public string CreatePath { get; set; } = "/api/now/table/incident";

    /// <summary>Path of updates (<c>PATCH</c>) and polls (<c>GET</c>); <c>{id}</c> is the external id. Default <c>/api/now/table/incident/{id}</c>.</summary>
    public string UpdatePath { get; set; } = "/api/now/table/incident/{id}";

    /// <summary>
    /// Query string of the lookup by correlation id, appended to <see cref="CreatePath"/>; <c>{id}</c> is the incident id
    /// (escaped). Default <c>correlation_id={id}</c>; e.g. <c>sysparm_query=correlation_id={id}&amp;sysparm_limit=1</c>.
    /// </summary>
    public string LookupQuery { get; set; } = "correlation_id={id}";

    /// <summary>Body field carrying the incident id, so the ticket can be found again (default <c>correlation_id</c>).</summary>
    public string CorrelationField { get; set; } = "correlation_id";

    /// <summary>Dotted JSON path of the external id in a create answer (default <c>result.sys_id</c>).</summary>
    public string IdPath { get; set; } = "result.sys_id";

    /// <summary>Dotted JSON path of the external id in the first lookup hit (default <c>result.0.sys_id</c>: ServiceNow answers a list).</summary>
    public string LookupIdPath { get; set; } = "result.0.sys_id";

    /// <summary>Dotted JSON path of the ticket state in a poll answer (default <c>result.state</c>).</summary>
    public string StatePath { get; set; } = "result.state";

    /// <summary>Dotted JSON path of who resolved the ticket in a poll answer (default <c>result.resolved_by</c>; a reference object's <c>value</c> is taken).</summary>
    public string ResolvedByPath { get; set; } = "result.resolved_by";

    /// <summary>The <see cref="ResolvedStates"/> used when none are configured.</summary>
    public static readonly IReadOnlyList<string> DefaultResolvedStates = ["6", "7", "resolved", "closed"];

    /// <summary>
    /// ITSM state values that mean resolved; null or empty = <see cref="DefaultResolvedStates"/> (<c>6</c>, <c>7</c>,
    /// <c>resolved</c>, <c>closed</c>; ServiceNow 6 = Resolved, 7 = Closed). Null rather than an initialised array
    /// because the configuration binder appends to an array's initial items instead of replacing them.
    /// </summary>
    public string[]? ResolvedStates { get; set; }

    /// <summary>
    /// Incident state → ITSM <c>state</c> value. Defaults (ServiceNow): open → 1 (New), acknowledged → 2 (In Progress),
    /// resolved → 6, closed → 7.
    /// </summary>
    public Dictionary<string, string> StateMap { get; set; } = new(StringComparer.Ordinal)
    {
        ["open"] = "1",
        ["acknowledged"] = "2",
        ["resolved"] = "6",
        ["closed"] = "7",
    };

    /// <summary>Wall-clock seconds between polls of an open ticket's state (default 60; 0 = no polling, rely on the callback).</summary>
    public int PollSeconds { get; set; } = 60;

    /// <summary>Whether the connector is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(BaseUrl);
}

/// <summary>The outcome of one ITSM call: <see cref="Error"/> is null on success.</summary>
/// <param name="Error">What went wrong (HTTP status or transport error), or null.</param>
/// <param name="ExternalId">The external id read from the answer (create, lookup), or null.</param>
/// <param name="State">The ITSM state read from a poll, or null.</param>
/// <param name="By">Who resolved the ticket according to a poll, or null.</param>
public sealed record ItsmResult(string? Error, string? ExternalId = null, string? State = null, string? By = null);

/// <summary>
/// Stateless REST client of a ServiceNow-Table-API-like ITSM: create (with <c>Idempotency-Key</c> and a correlation field),
/// lookup by correlation id, update, poll. The ticket grain owns the state machine (create once, then update) and retries.
/// </summary>
public sealed class ItsmConnector(HttpClient http, ItsmOptions options)
{
    /// <summary>
    /// The request body of a create or update (DESIGN §7): short_description ← title, urgency/impact ← severity
    /// (critical 1, major 2, else 3), description ← root causes, members and likely changes, state ← lifecycle through
    /// <see cref="ItsmOptions.StateMap"/> (only when <paramref name="includeState"/>), cmdb_ci ← root CI, and the correlation field ← incident id.
    /// </summary>
    public JsonObject Fields(IncidentRecord incident, bool includeState = true)
    {
        var (urgency, impact) = incident.Severity switch
        {
            "critical" => ("1", "1"),
            "major" => ("2", "2"),
            _ => ("3", "3"),
        };
        var body = new JsonObject
        {
            ["short_description"] = incident.Title,
            ["description"] = Description(incident),
            ["urgency"] = urgency,
            ["impact"] = impact,
            ["cmdb_ci"] = incident.RootCi,
        };
        if (includeState)
        {
            body["state"] = options.StateMap.GetValueOrDefault(incident.State.Name(), incident.State.Name());
        }

        body[options.CorrelationField] = incident.Id;
        return body;
    }

    /// <summary>Root causes, members and likely changes as plain text (ITSM description fields are text).</summary>
    public static string Description(IncidentRecord incident)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Aiops incident {incident.Id} (revision {incident.Revision}, {incident.State.Name()}, severity {incident.Severity}).\n");
        text.Append("\nRoot cause candidates:\n");
        foreach (var r in incident.RootCauses)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {r.Rank}. {r.Ci} (score {r.Score:0.###}, coverage {r.Coverage:P0}): {r.Reason}\n");
        }

        text.Append("\nMembers:\n");
        foreach (var m in incident.Members)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {m.Ci} {m.Series} ({m.Kind}, max score {m.MaxScore:0.###}{(m.Recovered ? ", recovered" : string.Empty)})\n");
        }

        if (incident.LikelyChanges is { Count: > 0 } changes)
        {
            text.Append("\nLikely changes:\n");
            foreach (var c in changes)
            {
                text.Append("  ").Append(c).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary><c>POST CreatePath</c> with <c>Idempotency-Key: &lt;incident id&gt;</c>; reads the external id at <see cref="ItsmOptions.IdPath"/>.</summary>
    public async Task<ItsmResult> CreateAsync(IncidentRecord incident, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, options.CreatePath, Fields(incident));
        request.Headers.Add("Idempotency-Key", incident.Id);
        var result = await SendAsync(request, ct);
        if (result.Error is not null)
        {
            return result.Result;
        }

        var id = Read(result.Body, options.IdPath);
        return id is null
            ? new ItsmResult($"create answered without an id at '{options.IdPath}'")
            : new ItsmResult(null, ExternalId: id);
    }

    /// <summary><c>GET CreatePath?LookupQuery</c>: the external id of the ticket carrying this incident id, or a null id when there is none.</summary>
    public async Task<ItsmResult> LookupAsync(string incidentId, CancellationToken ct)
    {
        var query = options.LookupQuery.Replace("{id}", Uri.EscapeDataString(incidentId), StringComparison.Ordinal);
        using var request = Request(HttpMethod.Get, options.CreatePath + (options.CreatePath.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query, null);
        var result = await SendAsync(request, ct);
        return result.Error is not null ? result.Result : new ItsmResult(null, ExternalId: Read(result.Body, options.LookupIdPath));
    }

    /// <summary><c>PATCH UpdatePath</c> with the current fields (<c>state</c> only when <paramref name="includeState"/>).</summary>
    public async Task<ItsmResult> UpdateAsync(string externalId, IncidentRecord incident, bool includeState, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Patch, UpdatePath(externalId), Fields(incident, includeState));
        request.Headers.Add("Idempotency-Key", incident.Id + "/" + incident.Revision.ToString(CultureInfo.InvariantCulture));
        return (await SendAsync(request, ct)).Result;
    }

    /// <summary><c>GET UpdatePath</c>: the ticket's state and, when resolved, by whom.</summary>
    public async Task<ItsmResult> PollAsync(string externalId, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, UpdatePath(externalId), null);
        var result = await SendAsync(request, ct);
        return result.Error is not null ? result.Result : new ItsmResult(null, State: Read(result.Body, options.StatePath), By: Read(result.Body, options.ResolvedByPath));
    }

    /// <summary>Whether an ITSM state value means resolved.</summary>
    public bool IsResolved(string? state) =>
        state is not null && (options.ResolvedStates is { Length: > 0 } configured ? configured : ItsmOptions.DefaultResolvedStates).Contains(state, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Reads a dotted path (<c>result.sys_id</c>, <c>result.0.sys_id</c>) from a JSON body; numbers index arrays; a
    /// reference object (<c>{"value": …}</c>) yields its value. Null when the body is not JSON or the path is absent.
    /// </summary>
    public static string? Read(byte[] body, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var e = doc.RootElement;
            foreach (var part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                if (e.ValueKind == JsonValueKind.Array && int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    if (n >= e.GetArrayLength())
                    {
                        return null;
                    }

                    e = e[n];
                }
                else if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                {
                    return null;
                }
            }

            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("value", out var value))
            {
                e = value;
            }

            return e.ValueKind switch
            {
                JsonValueKind.String => e.GetString() is { Length: > 0 } s ? s : null,
                JsonValueKind.Number => e.GetRawText(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string UpdatePath(string externalId) => options.UpdatePath.Replace("{id}", Uri.EscapeDataString(externalId), StringComparison.Ordinal);

    private HttpRequestMessage Request(HttpMethod method, string path, JsonObject? body)
    {
        var request = new HttpRequestMessage(method, new Uri(new Uri(options.BaseUrl!.TrimEnd('/') + "/"), path.TrimStart('/')));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(options.Token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Username}:{options.Password}")));
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    private async Task<(ItsmResult Result, string? Error, byte[] Body)> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return (new ItsmResult(null), null, body);
            }

            var error = $"{request.Method} {request.RequestUri!.AbsolutePath}: HTTP {(int)response.StatusCode}";
            return (new ItsmResult(error), error, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            var error = $"{request.Method} {request.RequestUri!.AbsolutePath}: {ex.Message}";
            return (new ItsmResult(error), error, []);
        }
    }
}
