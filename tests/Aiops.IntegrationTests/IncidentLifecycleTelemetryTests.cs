using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Ingest.Grpc.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Aiops.IntegrationTests;

/// <summary>
/// Issue #5's acceptance, driven only by telemetry over gRPC through the real detectors (nothing is published on the
/// anomaly stream by the test): a switch's hosts degrade → one incident rooted at the switch and one signed ticket;
/// another host joins → the ticket is updated; the hosts recover → the incident resolves; the same fault five minutes
/// later → the same incident re-opens; a fault behind a switch in a maintenance window → annotated, suppressed, no page.
/// Every step is asserted through the REST API and the webhook receiver. A silo of its own: event time must not go back.
/// </summary>
public sealed class IncidentLifecycleTelemetryTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    /// <summary>
    /// sw1 → h1..h5 → svc-a, svc-b → app (issue #5); sw2 → m1..m4, the switch that goes into maintenance; sw3 → p1, a
    /// probe whose spike shows how far the incident manager's event time has got, in maintenance throughout (no page).
    /// </summary>
    private static readonly string Cmdb = BuildCmdb();

    private static string BuildCmdb()
    {
        var cmdb = TestCmdb.SwitchEstateParts();
        cmdb.AddSwitch("sw2", "m1", "m2", "m3", "m4");
        cmdb.AddSwitch("sw3", "p1");
        return TestCmdb.Json(cmdb);
    }

    private const long Minute = 60_000_000_000L;

    /// <summary>Minute 0 of the scenario (event time).</summary>
    private static readonly long Start = DateTimeOffset.Parse("2026-11-12T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    private static readonly string[] SwitchHosts = ["h1", "h2", "h3", "h4", "h5"];

    private static readonly string[] MaintenanceHosts = ["m1", "m2", "m3", "m4"];

    private static readonly string[] AllHosts = [.. SwitchHosts, .. MaintenanceHosts, "p1"];

    /// <summary>Degradations: host, first and last+1 minute, memory points added.</summary>
    private readonly List<(string Host, int From, int To, double By)> _faults = [];

    private readonly Random _noise = new(5);
    private int _nextMinute;

    [Fact]
    public async Task TelemetryOverGrpc_SwitchFaultLifecycle_OneTicketUpdatedResolvedReopened_MaintenanceDoesNotPage()
    {
        using (var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(Cmdb, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        // sw2 is in maintenance (event time) while its hosts degrade; the window covers its dependents (the default).
        using var window = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "sw2", kind = "maintenance", start = At(350), end = At(400), description = "sw2 line card swap" });
        Assert.Equal(HttpStatusCode.Created, window.StatusCode);
        var windowId = (await window.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var probeWindow = await silo.Http.PostAsJsonAsync("/api/v1/changes", new { ci = "sw3", kind = "maintenance", start = At(0), end = At(1000), description = "probe" }))
        {
            Assert.Equal(HttpStatusCode.Created, probeWindow.StatusCode);
        }

        await silo.App.Services.GetRequiredService<IClusterClient>().GetGrain<Abstractions.IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();

        // 1. Maintenance: m1..m4 degrade at minute 360 (past the detectors' 300-point probation) and recover at 375.
        // Each step waits for its onsets before sending on: live, hosts report in step with the clock, while here a
        // grain that runs ahead could deliver its recovery before a slower grain's onset (events across grains are not
        // ordered), which no live system sees.
        _faults.AddRange(MaintenanceHosts.Select((h, n) => (h, 360 + n / 2, 375, 30.0)));
        await SendUntilAsync(364);
        var suppressed = await WaitForAsync("a suppressed incident on sw2's hosts", async () =>
        {
            var mine = Of(await IncidentEndToEndTests.ListAsync(silo, "all"), MaintenanceHosts);
            return mine.Count == 1 && Cis(mine[0]).SetEquals(MaintenanceHosts) ? mine[0] : (JsonElement?)null;
        });
        var suppressedId = suppressed.GetProperty("id").GetString()!;
        Assert.True(suppressed.GetProperty("suppressed").GetBoolean(), Describe(suppressed));
        Assert.Equal("sw2", suppressed.GetProperty("rootCi").GetString());
        Assert.All(suppressed.GetProperty("members").EnumerateArray(), m => Assert.Equal(windowId, m.GetProperty("maintenance").GetString()));
        Assert.Contains(suppressed.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("text").GetString()!.Contains($"in maintenance window {windowId}", StringComparison.Ordinal));
        await SendUntilAsync(385);

        // 2. Open: h1..h4 degrade within a minute of each other → one incident, sw1 ranked first, one signed ticket.
        _faults.AddRange(SwitchHosts[..4].Select((h, n) => (h, 420 + n / 2, 460, 30.0)));
        await SendUntilAsync(424);
        var incident = await WaitForAsync("one active incident on h1..h4", async () =>
        {
            var mine = Of(await IncidentEndToEndTests.ListAsync(silo, "active"), SwitchHosts);
            return mine.Count == 1 && Cis(mine[0]).SetEquals(SwitchHosts[..4]) ? mine[0] : (JsonElement?)null;
        });
        var id = incident.GetProperty("id").GetString()!;
        var detail = await GetAsync(id);
        Assert.Equal("sw1", detail.GetProperty("rootCi").GetString());
        Assert.Equal("sw1", detail.GetProperty("rootCauses")[0].GetProperty("ci").GetString());
        Assert.Equal(1, detail.GetProperty("rootCauses")[0].GetProperty("rank").GetInt32());
        var created = await WaitForWebhookAsync(id, "created");
        Assert.Equal("sw1", created.Ticket.GetProperty("rootCi").GetString());

        // 3. Update: h5 degrades too, six minutes later; it joins the same incident and the ticket is updated.
        _faults.Add(("h5", 426, 460, 30.0));
        await SendUntilAsync(432);
        var updated = await WaitForWebhookAsync(id, "updated", t => Cis(t).Contains("h5"));
        Assert.Equal(SwitchHosts.Order(StringComparer.Ordinal), Cis(updated.Ticket).Order(StringComparer.Ordinal));
        Assert.Single(Of(await IncidentEndToEndTests.ListAsync(silo, "all"), SwitchHosts));

        // Still degraded at minute 457, long past the detectors' first burst of scores and the 10-minute hold: the
        // incident stays open and no member counts as recovered. A spike on p1 at 455 shows that the incident manager
        // has seen event time that far (its onset is published after every earlier minute of h1..h5 was analysed).
        _faults.Add(("p1", 455, 457, 30.0));
        await SendUntilAsync(458);
        await WaitForAsync("the probe's incident on p1", async () => Of(await IncidentEndToEndTests.ListAsync(silo, "all"), ["p1"]).Count == 1 ? true : (bool?)null);
        var degraded = await GetAsync(id);
        Assert.True(degraded.GetProperty("state").GetString() == "open", Describe(degraded));
        Assert.DoesNotContain(degraded.GetProperty("members").EnumerateArray(), m => m.GetProperty("recovered").GetBoolean());
        Assert.DoesNotContain(silo.Webhook.Received, r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "resolved");

        // 4. Recover: the hosts are back to normal from minute 460, for 20 minutes, longer than the auto-resolve hold.
        await SendUntilAsync(480);
        await WaitForAsync("the incident resolved", async () => (await GetAsync(id)).GetProperty("state").GetString() == "resolved" ? true : (bool?)null);
        var resolved = await WaitForWebhookAsync(id, "resolved");
        var resolvedAt = resolved.Ticket.GetProperty("resolved").GetDateTimeOffset();
        Assert.InRange(resolvedAt, At(470), At(480));

        // 5. The same fault five minutes after the resolution re-opens the same incident: no new incident, no new ticket.
        var again = (int)(resolvedAt - At(0)).TotalMinutes + 5;
        _faults.AddRange(SwitchHosts.Select((h, n) => (h, again + n / 2, int.MaxValue, 30.0)));
        await SendUntilAsync(again + 10);
        var reopened = await WaitForAsync("the incident re-opened", async () =>
        {
            var i = await GetAsync(id);
            return i.GetProperty("state").GetString() == "open" ? i : (JsonElement?)null;
        });
        Assert.True(reopened.GetProperty("reopens").GetInt32() == 1, Describe(reopened));
        await WaitForWebhookAsync(id, "reopened");
        Assert.Single(Of(await IncidentEndToEndTests.ListAsync(silo, "all"), SwitchHosts));

        // The whole history, in event time: opened at the onset, resolved only after the recovery (never while the hosts
        // were degraded), re-opened by the recurrence.
        var timeline = (await GetAsync(id)).GetProperty("timeline").EnumerateArray()
            .Select(t => (Kind: t.GetProperty("kind").GetString()!, Time: t.GetProperty("time").GetDateTimeOffset()))
            .Where(t => t.Kind is "opened" or "resolved" or "reopened")
            .ToList();
        // (Fragments the correlator folded in bring their own "opened" lines, so the first one is the incident's.)
        Assert.InRange(timeline.Where(t => t.Kind == "opened").Min(t => t.Time), At(420), At(421));
        Assert.Equal(resolvedAt, Assert.Single(timeline, t => t.Kind == "resolved").Time);
        Assert.InRange(Assert.Single(timeline, t => t.Kind == "reopened").Time, At(again), At(again + 3));

        // One ticket for the fault, created once, every delivery signed; the maintenance incident never paged.
        var hooks = silo.Webhook.Received.ToList();
        Assert.Single(hooks, r => r.Headers["Idempotency-Key"] == id && r.Headers["X-Aiops-Event"] == "created");
        Assert.Single(hooks, r => r.Headers["X-Aiops-Event"] == "created");
        Assert.All(hooks, r => Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(IncidentSiloFixture.Secret), r.Body)), r.Headers["X-Aiops-Signature"]));
        Assert.DoesNotContain(hooks, r => r.Headers["Idempotency-Key"] == suppressedId);
        Assert.Null(await silo.App.Services.GetRequiredService<IClusterClient>().GetGrain<Abstractions.ITicketGrain>(suppressedId).Get());
        var tickets = (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/tickets")).EnumerateArray().ToList();
        Assert.Equal(id, Assert.Single(tickets).GetProperty("incidentId").GetString());
    }

    /// <summary>Polls <paramref name="probe"/> until it answers; on timeout the failure shows every incident, so a wrong grouping or state is visible.</summary>
    private async Task<T> WaitForAsync<T>(string what, Func<Task<T?>> probe)
        where T : struct
    {
        try
        {
            return await IncidentEndToEndTests.WaitForAsync(what, probe);
        }
        catch (TimeoutException ex)
        {
            var all = await IncidentEndToEndTests.ListAsync(silo, "all");
            var webhooks = string.Join('\n', silo.Webhook.Received.Select(r => $"{r.Headers["X-Aiops-Event"]} {r.Headers["Idempotency-Key"]}"));
            throw new TimeoutException($"{ex.Message}\nincidents:\n{string.Join('\n', all.Select(i => i.GetRawText()))}\nwebhooks:\n{webhooks}", ex);
        }
    }

    private static DateTimeOffset At(int minute) => UnixNanos.ToTime(Start + minute * Minute);

    /// <summary>
    /// Streams every host's <c>mem.used_percent</c>, one request per minute of event time, from where the last call
    /// stopped up to (not including) <paramref name="until"/>, each acknowledged before the next.
    /// </summary>
    private async Task SendUntilAsync(int until)
    {
        using var call = new TelemetryIngest.TelemetryIngestClient(silo.Grpc).Stream();
        for (; _nextMinute < until; _nextMinute++)
        {
            var request = new WriteRequest { Sequence = (ulong)_nextMinute };
            for (var h = 0; h < AllHosts.Length; h++)
            {
                var value = 40 + h + Math.Sin(_nextMinute / 30.0) + (_noise.NextDouble() - 0.5);
                foreach (var f in _faults)
                {
                    if (f.Host == AllHosts[h] && _nextMinute >= f.From && _nextMinute < f.To)
                    {
                        value += f.By;
                    }
                }

                var point = new Point { Measurement = "mem", TimestampUnixNano = Start + _nextMinute * Minute };
                point.Tags.Add("host", AllHosts[h]);
                point.Fields.Add("used_percent", Math.Round(value, 3));
                request.Points.Add(point);
            }

            await call.RequestStream.WriteAsync(request);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
    }

    /// <summary>Incidents with a member among <paramref name="hosts"/>.</summary>
    private static List<JsonElement> Of(List<JsonElement> incidents, string[] hosts) =>
        incidents.Where(i => Cis(i).Overlaps(hosts)).ToList();

    private static HashSet<string> Cis(JsonElement incidentOrTicket) =>
        incidentOrTicket.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("ci").GetString()!).ToHashSet(StringComparer.Ordinal);

    private async Task<JsonElement> GetAsync(string id) => await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");

    private static string Describe(JsonElement incident) => incident.GetRawText();

    /// <summary>Waits for a webhook of <paramref name="evt"/> for the incident (matching <paramref name="match"/>), checks its signature, returns its ticket.</summary>
    private async Task<(Dictionary<string, string> Headers, JsonElement Ticket)> WaitForWebhookAsync(string id, string evt, Func<JsonElement, bool>? match = null)
    {
        (Dictionary<string, string> Headers, JsonElement Ticket)? found = null;
        await SiloFixture.WaitUntilAsync(() =>
        {
            foreach (var (headers, body) in silo.Webhook.Received)
            {
                if (headers.GetValueOrDefault("Idempotency-Key") != id || headers.GetValueOrDefault("X-Aiops-Event") != evt)
                {
                    continue;
                }

                using var doc = JsonDocument.Parse(body);
                var ticket = doc.RootElement.GetProperty("ticket").Clone();
                Assert.Equal(evt, doc.RootElement.GetProperty("event").GetString());
                Assert.Equal(id, ticket.GetProperty("incidentId").GetString());
                Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(IncidentSiloFixture.Secret), body)), headers["X-Aiops-Signature"]);
                if (match is null || match(ticket))
                {
                    found = (headers, ticket);
                    return Task.FromResult(true);
                }
            }

            return Task.FromResult(false);
        }, $"a '{evt}' webhook for {id}");
        return found!.Value;
    }
}
