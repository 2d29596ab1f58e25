using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Aiops.IntegrationTests;

/// <summary>A silo whose tickets go to a real webhook receiver on loopback, signed with a known secret.</summary>
public sealed class IncidentSiloFixture : SiloFixture
{
    public const string Secret = "webhook-secret-42";

    public WebhookReceiver Webhook { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Aiops:Tickets:WebhookUrl", Webhook.Url),
        new("Aiops:Tickets:WebhookSecret", Secret),
        new("Aiops:Incidents:TimerSeconds", "1"),
        new("Aiops:Tickets:CreateDelaySeconds", "2"),
    ];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Webhook.Dispose();
    }
}

/// <summary>The incident manager end to end: CMDB import, correlated anomalies, one incident, one signed ticket, lifecycle.</summary>
public sealed class IncidentEndToEndTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    internal static readonly string Cmdb = TestCmdb.SwitchEstate();

    internal static readonly long T0 = DateTimeOffset.Parse("2026-11-10T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;
    internal const long Minute = 60_000_000_000L;

    [Fact]
    public async Task SwitchHostsDegrade_OneIncidentRootedAtSwitch_OneSignedTicket_UpdatedResolvedAndReopened()
    {
        using (var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(Cmdb, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        var streams = silo.App.Services.GetRequiredService<IClusterClient>().GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        await silo.App.Services.GetRequiredService<IClusterClient>().GetGrain<Abstractions.IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();

        // The five hosts behind the switch degrade within two minutes of each other.
        var hosts = new[] { "h1", "h2", "h3", "h4", "h5" };
        for (var i = 0; i < hosts.Length; i++)
        {
            await streams.OnNextAsync(Onset(hosts[i], "mem.used_percent", T0 + i * Minute / 2));
        }

        // Other tests of this class share the silo: look only at incidents of this test's CIs (h1..h5).
        var incident = await WaitForAsync("one active incident", async () =>
        {
            var list = Mine(await ListAsync("active"));
            return list.Count == 1 && list[0].GetProperty("members").GetArrayLength() == 5 ? list[0] : (JsonElement?)null;
        });
        var id = incident.GetProperty("id").GetString()!;
        var detail = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");
        Assert.Equal("sw1", detail.GetProperty("rootCi").GetString());
        Assert.Equal("sw1", detail.GetProperty("rootCauses")[0].GetProperty("ci").GetString());
        Assert.Equal(1, detail.GetProperty("rootCauses")[0].GetProperty("rank").GetInt32());

        // Exactly one ticket, created once, with a valid signature.
        var created = await WaitForWebhookAsync("created", 1);
        Assert.Equal(id, created.Headers["Idempotency-Key"]);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(IncidentSiloFixture.Secret), created.Body)), created.Headers["X-Aiops-Signature"]);
        using (var doc = JsonDocument.Parse(created.Body))
        {
            Assert.Equal(id, doc.RootElement.GetProperty("ticket").GetProperty("incidentId").GetString());
            Assert.Equal("sw1", doc.RootElement.GetProperty("ticket").GetProperty("rootCi").GetString());
        }

        // A repeated event updates the same incident and ticket.
        await streams.OnNextAsync(Onset("h2", "cpu.usage_active{cpu=cpu-total}", T0 + 4 * Minute));
        await WaitForWebhookAsync("updated", 1, atLeast: true);
        Assert.Single(Mine(await ListAsync("all")));
        var tickets = await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/tickets");
        Assert.Single(tickets.EnumerateArray(), t => t.GetProperty("incidentId").GetString() == id);

        // Every member recovers; the incident resolves once the hold time (10 min of event time) has passed.
        for (var i = 0; i < hosts.Length; i++)
        {
            await streams.OnNextAsync(End(hosts[i], "mem.used_percent", T0 + 10 * Minute));
        }

        await streams.OnNextAsync(End("h2", "cpu.usage_active{cpu=cpu-total}", T0 + 10 * Minute));
        await streams.OnNextAsync(Onset("unrelated-host", "disk.used_percent", T0 + 25 * Minute)); // time moves on
        await WaitForAsync("resolved", async () => (await GetAsync(id)).GetProperty("state").GetString() == "resolved" ? true : (bool?)null);
        await WaitForWebhookAsync("resolved", 1);

        // The same fault five minutes later re-opens the incident instead of opening a new one.
        await streams.OnNextAsync(Onset("h3", "mem.used_percent", T0 + 30 * Minute));
        await WaitForAsync("re-opened", async () => (await GetAsync(id)).GetProperty("state").GetString() == "open" ? true : (bool?)null);
        var reopened = await GetAsync(id);
        Assert.Equal(1, reopened.GetProperty("reopens").GetInt32());
        await WaitForWebhookAsync("reopened", 1);
        Assert.DoesNotContain(await ListAsync("all"), i => i.GetProperty("id").GetString() != id && i.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("ci").GetString() == "h3"));
        Assert.Equal(1, silo.Webhook.Received.Count(r => r.Headers["X-Aiops-Event"] == "created" && r.Headers["Idempotency-Key"] == id));

        // Acknowledge and comment from the API; both land in the timeline.
        using var user = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/acknowledge");
        user.Headers.Add("X-Aiops-User", "alice");
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.SendAsync(user)).StatusCode);
        using var comment = await silo.Http.PostAsJsonAsync($"/api/v1/incidents/{id}/comment", new { text = "switch port flapping" });
        Assert.Equal(HttpStatusCode.OK, comment.StatusCode);
        var timeline = (await GetAsync(id)).GetProperty("timeline").EnumerateArray().Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("text").GetString())).ToList();
        Assert.Contains(timeline, t => t.Item1 == "acknowledged" && t.Item2!.Contains("alice", StringComparison.Ordinal));
        Assert.Contains(timeline, t => t.Item1 == "comment" && t.Item2 == "switch port flapping");

        // aiops_incident holds the lifecycle for Grafana.
        await SiloFixture.WaitUntilAsync(async () =>
        {
            var states = (await silo.InfluxRowsAsync($"SELECT title, \"state\" FROM aiops_incident WHERE incident = '{id}'")).Select(r => r[2].GetString()).ToHashSet();
            return states.SetEquals(["open", "resolved", "acknowledged"]);
        }, "aiops_incident holds open, resolved and acknowledged");
    }

    [Fact]
    public async Task IncidentsApi_UnknownIncident_Answers404Problem()
    {
        using var response = await silo.Http.PostAsync("/api/v1/incidents/INC-999999/acknowledge", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static List<JsonElement> Mine(List<JsonElement> incidents) =>
        incidents.Where(i => i.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("ci").GetString() is "h1" or "h2" or "h3" or "h4" or "h5")).ToList();

    private static AnomalyEvent Onset(string host, string series, long ns) =>
        new($"host/{host}/{series}/{ns}", EntityKind.Host, host, series, "aiops", 0.9, 80, ns);

    private static AnomalyEvent End(string host, string series, long ns) =>
        new($"host/{host}/{series}/end/{ns}", EntityKind.Host, host, series, "aiops", 0.1, 40, ns, Ended: true);

    internal static async Task<List<JsonElement>> ListAsync(SiloFixture silo, string state) =>
        (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents?state={state}")).EnumerateArray().ToList();

    private async Task<List<JsonElement>> ListAsync(string state) =>
        (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents?state={state}")).EnumerateArray().ToList();

    private async Task<JsonElement> GetAsync(string id) => await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");

    internal static async Task<T> WaitForAsync<T>(string what, Func<Task<T?>> probe)
        where T : struct
    {
        T? result = null;
        await SiloFixture.WaitUntilAsync(async () => (result = await probe()) is not null, what);
        return result!.Value;
    }

    private async Task<(Dictionary<string, string> Headers, byte[] Body)> WaitForWebhookAsync(string evt, int count, bool atLeast = false)
    {
        await SiloFixture.WaitUntilAsync(() =>
        {
            var n = silo.Webhook.Received.Count(r => r.Headers.GetValueOrDefault("X-Aiops-Event") == evt);
            return Task.FromResult(atLeast ? n >= count : n == count);
        }, $"{count} '{evt}' webhook(s)");
        return silo.Webhook.Received.First(r => r.Headers.GetValueOrDefault("X-Aiops-Event") == evt);
    }
}

/// <summary>The same fault driven by real telemetry over gRPC through the detectors (a silo of its own: event time must not go backwards).</summary>
public sealed class IncidentTelemetryTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    [Fact]
    public async Task TelemetryOverGrpc_HostsBehindSwitchDegrade_OneIncidentWithSwitchFirstAndOneTicket()
    {
        using (var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=merge", new StringContent(TestCmdb.SwitchEstate(sw: "sw2", hostPrefix: "g", servicePrefix: "gsvc-", app: "gapp"), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        await silo.App.Services.GetRequiredService<IClusterClient>().GetGrain<Abstractions.IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();
        var hosts = new[] { "g1", "g2", "g3", "g4", "g5" };
        var client = new Aiops.Ingest.Grpc.V1.TelemetryIngest.TelemetryIngestClient(silo.Grpc);
        using var call = client.Stream();
        var noise = new Random(11);
        var start = IncidentEndToEndTests.T0 + 24 * 60 * IncidentEndToEndTests.Minute;
        const int normal = 420;
        for (var minute = 0; minute < normal + 20; minute++)
        {
            var request = new Aiops.Ingest.Grpc.V1.WriteRequest { Sequence = (ulong)minute };
            for (var h = 0; h < hosts.Length; h++)
            {
                var degraded = minute >= normal + h / 2;
                var value = 40 + h + Math.Sin(minute / 30.0) + (noise.NextDouble() - 0.5) + (degraded ? 30 : 0);
                var point = new Aiops.Ingest.Grpc.V1.Point { Measurement = "mem", TimestampUnixNano = start + minute * IncidentEndToEndTests.Minute };
                point.Tags.Add("host", hosts[h]);
                point.Fields.Add("used_percent", Math.Round(value, 3));
                request.Points.Add(point);
            }

            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await call.RequestStream.CompleteAsync();
        var incident = await IncidentEndToEndTests.WaitForAsync("an incident on the switch's hosts", async () =>
        {
            var list = await IncidentEndToEndTests.ListAsync(silo, "active");
            var mine = list.Where(i => i.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("ci").GetString()!.StartsWith('g'))).ToList();
            return mine.Count == 1 && mine[0].GetProperty("members").GetArrayLength() == hosts.Length ? mine[0] : (JsonElement?)null;
        });
        Assert.Equal("sw2", incident.GetProperty("rootCi").GetString());
        var id = incident.GetProperty("id").GetString()!;
        await SiloFixture.WaitUntilAsync(() => Task.FromResult(silo.Webhook.Received.Any(r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "created")), "the incident's ticket created");
        Assert.Single(silo.Webhook.Received, r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "created");
        Assert.DoesNotContain(await IncidentEndToEndTests.ListAsync(silo, "all"), i => i.GetProperty("id").GetString() != id && i.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("ci").GetString()!.StartsWith('g')));
    }

}

/// <summary>Maintenance windows suppress paging; a recent change on the root CI is shown as a likely cause.</summary>
public sealed class MaintenanceWindowTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    [Fact]
    public async Task SwitchInMaintenance_IncidentAnnotatedAndSuppressed_NoTicket_RecentChangeListed()
    {
        using (var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(IncidentEndToEndTests.Cmdb, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        var t0 = DateTimeOffset.UnixEpoch.AddTicks(IncidentEndToEndTests.T0 / 100);
        using (var bad = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "sw1", kind = "maintenance", start = t0, end = t0.AddMinutes(-1) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }

        using (var unknown = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "nope", kind = "maintenance", start = t0, end = t0.AddHours(1) }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        using var change = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "sw1", kind = "change", start = t0.AddHours(-3), end = t0.AddHours(-2), description = "CHG-4711 firmware upgrade" });
        Assert.Equal(HttpStatusCode.Created, change.StatusCode);
        using var window = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "sw1", kind = "maintenance", start = t0.AddMinutes(-10), end = t0.AddHours(1), description = "port replacement" });
        Assert.Equal(HttpStatusCode.Created, window.StatusCode);
        var windowId = (await window.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(2, (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/changes")).GetArrayLength());

        var client = silo.App.Services.GetRequiredService<IClusterClient>();
        var stream = client.GetStreamProvider(AnomalyStreams.Provider).GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        foreach (var (host, n) in new[] { ("h1", 0), ("h2", 1), ("h3", 2), ("h4", 3), ("h5", 4) })
        {
            var ns = IncidentEndToEndTests.T0 + n * IncidentEndToEndTests.Minute / 2;
            await stream.OnNextAsync(new AnomalyEvent($"host/{host}/mem/{ns}", EntityKind.Host, host, "mem.used_percent", "aiops", 0.9, 80, ns));
        }

        var incident = await IncidentEndToEndTests.WaitForAsync("a suppressed incident with every member", async () =>
        {
            var list = await IncidentEndToEndTests.ListAsync(silo, "active");
            return list.Count == 1 && list[0].GetProperty("members").GetArrayLength() == 5 ? list[0] : (JsonElement?)null;
        });
        Assert.True(incident.GetProperty("suppressed").GetBoolean());
        Assert.All(incident.GetProperty("members").EnumerateArray(), m => Assert.Equal(windowId, m.GetProperty("maintenance").GetString()));
        Assert.Contains(incident.GetProperty("likelyChanges").EnumerateArray(), c => c.GetString()!.Contains("CHG-4711 firmware upgrade", StringComparison.Ordinal));

        // No page: the ticket grain was never asked for a ticket (so nothing can be delivered later), and nothing was sent.
        var id = incident.GetProperty("id").GetString()!;
        using (var comment = await silo.Http.PostAsJsonAsync($"/api/v1/incidents/{id}/comment", new { text = "checking" }))
        {
            Assert.Equal(HttpStatusCode.OK, comment.StatusCode);
        }

        Assert.Null(await client.GetGrain<Abstractions.ITicketGrain>(id).Get());
        Assert.Empty(silo.Webhook.Received);
        Assert.Equal(0, (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/tickets")).GetArrayLength());
    }
}
