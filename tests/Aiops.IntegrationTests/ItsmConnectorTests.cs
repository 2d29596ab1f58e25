using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aiops.Abstractions.Models;
using Aiops.Grains.Incidents.Connectors;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Aiops.IntegrationTests;

/// <summary>How the fake ITSM fails the first creates.</summary>
public enum CreateFailure
{
    /// <summary>Answer 503 without storing anything.</summary>
    Unavailable,

    /// <summary>Store the ticket, then answer too late for the client (an ambiguous failure: the ticket exists).</summary>
    TimeoutAfterStoring,
}

/// <summary>
/// A fake ServiceNow-Table-API-like ITSM: a real HTTP server on loopback (ServiceNow or Jira cannot run here, so this
/// stands in for them at the HTTP level). Records every request; <c>POST /api/now/table/incident</c> creates and answers
/// <c>{"result": {"sys_id": …}}</c>, <c>GET …?correlation_id=</c> looks up, <c>PATCH/GET …/{sys_id}</c> update and read.
/// </summary>
public sealed class FakeItsm : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();
    private int _failCreates;
    private int _next;

    public FakeItsm(int failCreates, CreateFailure failure, TimeSpan slowAnswer)
    {
        _failCreates = failCreates;
        Failure = failure;
        SlowAnswer = slowAnswer;
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string BaseUrl { get; }

    public CreateFailure Failure { get; }

    public TimeSpan SlowAnswer { get; }

    /// <summary>Every request: method, path, query, Authorization and Idempotency-Key headers, body.</summary>
    public ConcurrentQueue<(string Method, string Path, string Query, string? Authorization, string? IdempotencyKey, string Body)> Requests { get; } = new();

    /// <summary>Stored tickets by sys_id.</summary>
    public ConcurrentDictionary<string, JsonObject> Tickets { get; } = new();

    /// <summary>What an operator does in the ITSM: resolves the ticket (ServiceNow state 6).</summary>
    public void Resolve(string sysId, string by)
    {
        lock (Tickets[sysId])
        {
            Tickets[sysId]["state"] = "6";
            Tickets[sysId]["resolved_by"] = new JsonObject { ["value"] = by };
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            // Each request on its own task: a deliberately slow answer must not hold up the next request.
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = context.Request;
            var path = request.Url!.AbsolutePath;
            Requests.Enqueue((request.HttpMethod, path, request.Url.Query, request.Headers["Authorization"], request.Headers["Idempotency-Key"], body));
            var (status, answer, delay) = Answer(request.HttpMethod, path, request.QueryString["correlation_id"], body);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _stop.Token);
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(answer.ToJsonString());
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // The client gave up (timeout) or the server is stopping.
        }
    }

    private (int Status, JsonNode Answer, TimeSpan Delay) Answer(string method, string path, string? correlationId, string body)
    {
        const string Table = "/api/now/table/incident";
        if (method == "POST" && path == Table)
        {
            var fail = Interlocked.Decrement(ref _failCreates) >= 0;
            if (fail && Failure == CreateFailure.Unavailable)
            {
                return (503, new JsonObject { ["error"] = "maintenance" }, TimeSpan.Zero);
            }

            var ticket = JsonNode.Parse(body)!.AsObject();
            var sysId = $"sys{Interlocked.Increment(ref _next):D4}";
            ticket["sys_id"] = sysId;
            Tickets[sysId] = ticket;
            return (201, new JsonObject { ["result"] = ticket.DeepClone() }, fail ? SlowAnswer : TimeSpan.Zero);
        }

        if (method == "GET" && path == Table)
        {
            var hits = new JsonArray(Tickets.Values.Where(t => t["correlation_id"]?.GetValue<string>() == correlationId).Select(t => (JsonNode)t.DeepClone()).ToArray());
            return (200, new JsonObject { ["result"] = hits }, TimeSpan.Zero);
        }

        if (path.StartsWith(Table + "/", StringComparison.Ordinal) && Tickets.TryGetValue(path[(Table.Length + 1)..], out var stored))
        {
            lock (stored)
            {
                if (method == "PATCH")
                {
                    foreach (var (k, v) in JsonNode.Parse(body)!.AsObject())
                    {
                        stored[k] = v?.DeepClone();
                    }
                }

                return (200, new JsonObject { ["result"] = stored.DeepClone() }, TimeSpan.Zero);
            }
        }

        return (404, new JsonObject { ["error"] = $"no route {method} {path}" }, TimeSpan.Zero);
    }
}

/// <summary>A silo with the ITSM connector on (fast create delay, retries and polling); <typeparamref name="TSetup"/> picks the fake ITSM's failure.</summary>
public class ItsmSiloFixture<TSetup> : SiloFixture
    where TSetup : IItsmSetup
{
    public const string Token = "itsm-token-7";

    public FakeItsm Itsm { get; } = new(TSetup.FailCreates, TSetup.Failure, TimeSpan.FromSeconds(3));

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Aiops:Tickets:Itsm:BaseUrl", Itsm.BaseUrl),
        new("Aiops:Tickets:Itsm:Token", Token),
        new("Aiops:Tickets:Itsm:PollSeconds", "1"),
        new("Aiops:Tickets:CreateDelaySeconds", "1"),
        new("Aiops:Tickets:TimeoutSeconds", "1"),
        new("Aiops:Tickets:MaxBackoffSeconds", "1"),
        new("Aiops:Incidents:TimerSeconds", "1"),
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Itsm.Dispose();
    }
}

/// <summary>The fake ITSM's failure of a fixture.</summary>
public interface IItsmSetup
{
    static abstract int FailCreates { get; }

    static abstract CreateFailure Failure { get; }
}

/// <summary>The first create answers 503.</summary>
public sealed class FirstCreateUnavailable : IItsmSetup
{
    public static int FailCreates => 1;

    public static CreateFailure Failure => CreateFailure.Unavailable;
}

/// <summary>The first create is stored but answered after the client's 1 s timeout.</summary>
public sealed class FirstCreateTimesOut : IItsmSetup
{
    public static int FailCreates => 1;

    public static CreateFailure Failure => CreateFailure.TimeoutAfterStoring;
}

/// <summary>Shared steps of the ITSM tests: raise an incident through the anomaly stream, wait for tickets.</summary>
internal static class ItsmSteps
{
    public static async Task<string> RaiseIncidentAsync(SiloFixture silo, string host, long ns)
    {
        var streams = silo.App.Services.GetRequiredService<IClusterClient>().GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        await streams.OnNextAsync(Onset(host, "mem.used_percent", ns));
        var incident = await IncidentEndToEndTests.WaitForAsync($"an incident on {host}", async () =>
        {
            var mine = (await IncidentEndToEndTests.ListAsync(silo, "active")).Where(i => i.GetProperty("rootCi").GetString() == host).ToList();
            return mine.Count == 1 ? mine[0] : (JsonElement?)null;
        });
        return incident.GetProperty("id").GetString()!;
    }

    public static AnomalyEvent Onset(string host, string series, long ns) =>
        new($"host/{host}/{series}/{ns}", EntityKind.Host, host, series, "aiops", 0.9, 80, ns);

    public static async Task<JsonElement> IncidentAsync(SiloFixture silo, string id) =>
        await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");

    /// <summary>Waits until the ticket grain has delivered (to every connector) at least the incident's current revision.</summary>
    public static async Task<JsonElement> WaitSyncedAsync(SiloFixture silo, string id, string what)
    {
        return await IncidentEndToEndTests.WaitForAsync(what, async () =>
        {
            var incident = await IncidentAsync(silo, id);
            return incident.GetProperty("ticket") is { ValueKind: JsonValueKind.Object } t
                && t.GetProperty("syncedRevision").GetInt32() >= incident.GetProperty("revision").GetInt32()
                ? incident
                : (JsonElement?)null;
        });
    }

    public static List<(string Method, string Path, string Query, string? Authorization, string? IdempotencyKey, string Body)> Creates(FakeItsm itsm, string id) =>
        itsm.Requests.Where(r => r.Method == "POST" && JsonNode.Parse(r.Body)?["correlation_id"]?.GetValue<string>() == id).ToList();
}

/// <summary>ITSM connector against a fake ITSM whose first create answers 503.</summary>
public sealed class ItsmConnectorTests(ItsmSiloFixture<FirstCreateUnavailable> silo) : IClassFixture<ItsmSiloFixture<FirstCreateUnavailable>>
{
    private static readonly long T0 = IncidentEndToEndTests.T0;

    [Fact]
    public async Task Sync_FirstCreateAnswers503_ExactlyOneTicketThenPatchedWithStoredId_ItsmResolutionByPollResolvesIncident()
    {
        var id = await ItsmSteps.RaiseIncidentAsync(silo, "itsm-a1", T0);
        var synced = await ItsmSteps.WaitSyncedAsync(silo, id, "the ticket created in the ITSM");
        var ticket = synced.GetProperty("ticket");
        var sysId = ticket.GetProperty("externalId").GetString()!;

        // 503 then a successful retry: two POSTs, one stored ticket, each with the idempotency key and correlation id.
        var creates = ItsmSteps.Creates(silo.Itsm, id);
        Assert.Equal(2, creates.Count);
        Assert.All(creates, c => Assert.Equal(id, c.IdempotencyKey));
        Assert.All(creates, c => Assert.Equal("Bearer " + ItsmSiloFixture<FirstCreateUnavailable>.Token, c.Authorization));
        Assert.Single(silo.Itsm.Tickets.Values, t => t["correlation_id"]!.GetValue<string>() == id);
        Assert.True(ticket.GetProperty("itsmFailedAttempts").GetInt32() >= 1);
        Assert.Equal(1, ticket.GetProperty("itsmDeliveries").GetInt32());
        var stored = silo.Itsm.Tickets[sysId];
        Assert.Equal(synced.GetProperty("title").GetString(), stored["short_description"]!.GetValue<string>());
        Assert.Equal("1", stored["state"]!.GetValue<string>());
        Assert.Contains("itsm-a1", stored["description"]!.GetValue<string>(), StringComparison.Ordinal);

        // A later change (acknowledge) is a PATCH of the stored id carrying the new state, not a second create.
        using (var ack = await silo.Http.PostAsync($"/api/v1/incidents/{id}/acknowledge", null))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        await ItsmSteps.WaitSyncedAsync(silo, id, "the acknowledgement delivered");
        Assert.Contains(silo.Itsm.Requests, r => r.Method == "PATCH" && r.Path.EndsWith("/" + sysId, StringComparison.Ordinal) && JsonNode.Parse(r.Body)!["state"]?.GetValue<string>() == "2");
        Assert.Equal("2", silo.Itsm.Tickets[sysId]["state"]!.GetValue<string>());
        Assert.Equal(2, ItsmSteps.Creates(silo.Itsm, id).Count);

        // An operator resolves the ticket in the ITSM: the poll resolves the incident as itsm:<by>.
        silo.Itsm.Resolve(sysId, "jdoe");
        var resolved = await IncidentEndToEndTests.WaitForAsync("the incident resolved from the ITSM", async () =>
        {
            var i = await ItsmSteps.IncidentAsync(silo, id);
            return i.GetProperty("state").GetString() == "resolved" ? i : (JsonElement?)null;
        });
        Assert.Contains(resolved.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "resolved" && t.GetProperty("by").GetString() == "itsm:jdoe");

        // That resolution is not sent back: Aiops never resolved this incident itself, so once the ticket grain has taken
        // the resolved revision, any PATCH carrying state 6 would be the echo.
        var final = await ItsmSteps.WaitSyncedAsync(silo, id, "the resolved revision taken by the ticket grain");
        Assert.DoesNotContain(silo.Itsm.Requests, r => r.Method == "PATCH" && JsonNode.Parse(r.Body)!["state"]?.GetValue<string>() == "6");
        Assert.Equal(final.GetProperty("revision").GetInt32(), final.GetProperty("ticket").GetProperty("itsmSyncedRevision").GetInt32());
        Assert.Equal(2, ItsmSteps.Creates(silo.Itsm, id).Count);
    }

    [Fact]
    public async Task TicketCallback_UnknownIncidentOrMissingState_404And400()
    {
        using (var unknown = await silo.Http.PostAsJsonAsync("/api/v1/tickets/INC-999999/callback", new { state = "resolved", by = "x" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using var missing = await silo.Http.PostAsJsonAsync("/api/v1/tickets/INC-999999/callback", new { by = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("state", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>ITSM connector against a fake ITSM that stores the first create but answers it after the client timed out.</summary>
public sealed class ItsmTimeoutTests(ItsmSiloFixture<FirstCreateTimesOut> silo) : IClassFixture<ItsmSiloFixture<FirstCreateTimesOut>>
{
    [Fact]
    public async Task Sync_CreateTimesOutAfterItsmStoredIt_RetryFindsItByCorrelationId_NoSecondTicket_CallbackResolvesWithoutEcho()
    {
        var id = await ItsmSteps.RaiseIncidentAsync(silo, "itsm-b1", IncidentEndToEndTests.T0);
        var synced = await ItsmSteps.WaitSyncedAsync(silo, id, "the ticket found and synced");
        var sysId = synced.GetProperty("ticket").GetProperty("externalId").GetString()!;

        // One POST (timed out, but stored), then a lookup by correlation id that found it: never a second ticket.
        Assert.Single(ItsmSteps.Creates(silo.Itsm, id));
        Assert.Single(silo.Itsm.Tickets.Values, t => t["correlation_id"]!.GetValue<string>() == id);
        Assert.Equal(sysId, silo.Itsm.Tickets.Single(t => t.Value["correlation_id"]!.GetValue<string>() == id).Key);
        Assert.Contains(silo.Itsm.Requests, r => r.Method == "GET" && r.Path == "/api/now/table/incident" && r.Query.Contains(Uri.EscapeDataString(id), StringComparison.Ordinal));
        Assert.Contains(synced.GetProperty("ticket").GetProperty("history").EnumerateArray(), h => h.GetString()!.Contains("found " + sysId, StringComparison.Ordinal));

        // The ITSM calls back: resolved by bob. The incident resolves; the resolution is not PATCHed back.
        using (var callback = await silo.Http.PostAsJsonAsync($"/api/v1/tickets/{id}/callback", new { state = "resolved", by = "bob" }))
        {
            Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
            Assert.Equal("resolved", (await callback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }

        var final = await ItsmSteps.WaitSyncedAsync(silo, id, "the resolved revision taken by the ticket grain");
        Assert.Equal("resolved", final.GetProperty("state").GetString());
        Assert.Contains(final.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("by").GetString() == "itsm:bob");
        Assert.DoesNotContain(silo.Itsm.Requests, r => r.Method == "PATCH" && JsonNode.Parse(r.Body)!["state"]?.GetValue<string>() == "6");
        Assert.NotEqual("6", silo.Itsm.Tickets[sysId]["state"]!.GetValue<string>());

        // A repeated callback is idempotent.
        using var again = await silo.Http.PostAsJsonAsync($"/api/v1/tickets/{id}/callback", new { state = "resolved", by = "bob" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(ItsmSteps.Creates(silo.Itsm, id));
    }
}

/// <summary>The connector's JSON path reading, without a silo.</summary>
public sealed class ItsmConnectorReadTests
{
    [Theory]
    [InlineData("""{"result":{"sys_id":"abc"}}""", "result.sys_id", "abc")]
    [InlineData("""{"result":[{"sys_id":"x1"},{"sys_id":"x2"}]}""", "result.0.sys_id", "x1")]
    [InlineData("""{"result":[]}""", "result.0.sys_id", null)]
    [InlineData("""{"result":{"resolved_by":{"link":"l","value":"jdoe"}}}""", "result.resolved_by", "jdoe")]
    [InlineData("""{"result":{"state":6}}""", "result.state", "6")]
    [InlineData("""not json""", "result.sys_id", null)]
    public void Read_Path_ValueOrNull(string body, string path, string? expected) =>
        Assert.Equal(expected, ItsmConnector.Read(Encoding.UTF8.GetBytes(body), path));
}

/// <summary>The ITSM callback changes an incident: with auth on it needs the write scope (and, as all of <c>/api/v1</c>, read).</summary>
public sealed class ItsmCallbackAuthTests(AuthSiloFixture silo) : IClassFixture<AuthSiloFixture>
{
    [Fact]
    public async Task TicketCallback_AnonymousOrReadOnlyToken_401Or403()
    {
        using (var anonymous = await silo.Http.PostAsJsonAsync("/api/v1/tickets/INC-1/callback", new { state = "resolved", by = "x" }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tickets/INC-1/callback") { Content = JsonContent.Create(new { state = "resolved", by = "x" }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", AuthSiloFixture.ReadToken);
        using var readOnly = await silo.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Contains("write scope", await readOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>Both connectors on: the signed webhook and the ITSM (whose first create answers 503).</summary>
public sealed class ItsmAndWebhookSiloFixture : ItsmSiloFixture<FirstCreateUnavailable>
{
    public WebhookReceiver Webhook { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        base.ExtraSettings.Append(new("Aiops:Tickets:WebhookUrl", Webhook.Url));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Webhook.Dispose();
    }
}

/// <summary>Webhook and ITSM connectors at once, each with its own delivery status.</summary>
public sealed class ItsmAndWebhookTests(ItsmAndWebhookSiloFixture silo) : IClassFixture<ItsmAndWebhookSiloFixture>
{
    [Fact]
    public async Task Sync_ItsmCreateRetried_WebhookCreatedOnceAndEachConnectorHasItsOwnStatus()
    {
        var id = await ItsmSteps.RaiseIncidentAsync(silo, "itsm-c1", IncidentEndToEndTests.T0);
        var synced = await ItsmSteps.WaitSyncedAsync(silo, id, "both connectors synced");
        var ticket = synced.GetProperty("ticket");
        var revision = synced.GetProperty("revision").GetInt32();

        // The ITSM needed a retry; the webhook, delivered on the first attempt, was not sent the creation again.
        Assert.Equal(2, ItsmSteps.Creates(silo.Itsm, id).Count);
        Assert.Single(silo.Webhook.Received, r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "created");
        Assert.Equal(revision, ticket.GetProperty("webhookSyncedRevision").GetInt32());
        Assert.Equal(revision, ticket.GetProperty("itsmSyncedRevision").GetInt32());
        Assert.Equal(0, ticket.GetProperty("failedAttempts").GetInt32());
        Assert.True(ticket.GetProperty("itsmFailedAttempts").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(ticket.GetProperty("externalId").GetString()));

        // A later change reaches both: an "updated" webhook and a PATCH of the stored id.
        using (var comment = await silo.Http.PostAsJsonAsync($"/api/v1/incidents/{id}/comment", new { text = "looking" }))
        {
            Assert.Equal(HttpStatusCode.OK, comment.StatusCode);
        }

        await ItsmSteps.WaitSyncedAsync(silo, id, "the comment delivered to both");
        Assert.Contains(silo.Webhook.Received, r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "updated");
        Assert.Contains(silo.Itsm.Requests, r => r.Method == "PATCH" && r.Path.EndsWith("/" + ticket.GetProperty("externalId").GetString(), StringComparison.Ordinal));
    }
}

/// <summary>The ITSM on, and a webhook URL on which nothing listens (connection refused on every attempt).</summary>
public sealed class ItsmWithDeadWebhookSiloFixture : ItsmSiloFixture<NoCreateFailure>
{
    private readonly string _deadUrl = DeadUrl();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        base.ExtraSettings.Append(new("Aiops:Tickets:WebhookUrl", _deadUrl));

    private static string DeadUrl()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}/hook/";
    }
}

/// <summary>Every create succeeds.</summary>
public sealed class NoCreateFailure : IItsmSetup
{
    public static int FailCreates => 0;

    public static CreateFailure Failure => CreateFailure.Unavailable;
}

/// <summary>One connector down does not hold up the other.</summary>
public sealed class ItsmWithDeadWebhookTests(ItsmWithDeadWebhookSiloFixture silo) : IClassFixture<ItsmWithDeadWebhookSiloFixture>
{
    [Fact]
    public async Task Sync_WebhookUnreachable_ItsmTicketStillCreatedOnce_WebhookFailureOnItsOwnStatus()
    {
        var id = await ItsmSteps.RaiseIncidentAsync(silo, "itsm-d1", IncidentEndToEndTests.T0);
        var incident = await IncidentEndToEndTests.WaitForAsync("the ITSM ticket created while the webhook fails", async () =>
        {
            var i = await ItsmSteps.IncidentAsync(silo, id);
            return i.GetProperty("ticket") is { ValueKind: JsonValueKind.Object } t && t.GetProperty("externalId").ValueKind == JsonValueKind.String
                && t.GetProperty("failedAttempts").GetInt32() >= 2 ? i : (JsonElement?)null;
        });
        var ticket = incident.GetProperty("ticket");
        Assert.Equal(incident.GetProperty("revision").GetInt32(), ticket.GetProperty("itsmSyncedRevision").GetInt32());
        Assert.Equal(0, ticket.GetProperty("webhookSyncedRevision").GetInt32());
        Assert.False(string.IsNullOrEmpty(ticket.GetProperty("lastError").GetString()));
        Assert.Equal(0, ticket.GetProperty("itsmFailedAttempts").GetInt32());

        // The webhook retries go on; the ITSM, already synced, is not sent the creation again.
        Assert.Single(ItsmSteps.Creates(silo.Itsm, id));
    }
}
