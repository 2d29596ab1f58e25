using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions.Models;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Aiops.IntegrationTests;

/// <summary>What the grains keep survives a silo restart: CMDB with its versions, incidents, tickets, host state.</summary>
public sealed class RestartTests(IncidentSiloFixture silo) : IClassFixture<IncidentSiloFixture>
{
    [Fact]
    public async Task SiloRestart_KeepsCmdbVersionsIncidentsTicketsAndHostState()
    {
        using (var import = await silo.Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(IncidentEndToEndTests.Cmdb, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        }

        using (var write = await silo.Http.PostAsync("/write", new StringContent($"mem,host=h1 used_percent=42 {IncidentEndToEndTests.T0}\nmem,host=h1 used_percent=43 {IncidentEndToEndTests.T0 + IncidentEndToEndTests.Minute}\n")))
        {
            Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);
        }

        var stream = silo.App.Services.GetRequiredService<IClusterClient>().GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        var t = IncidentEndToEndTests.T0 + 10 * IncidentEndToEndTests.Minute;
        foreach (var host in new[] { "h1", "h2", "h3" })
        {
            await stream.OnNextAsync(new AnomalyEvent($"host/{host}/mem/{t}", EntityKind.Host, host, "mem.used_percent", "aiops", 0.9, 80, t));
        }

        var incident = await IncidentEndToEndTests.WaitForAsync("incident with its ticket delivered", async () =>
        {
            var list = await IncidentEndToEndTests.ListAsync(silo, "active");
            if (list.Count != 1)
            {
                return (JsonElement?)null;
            }

            var detail = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{list[0].GetProperty("id").GetString()}");
            return detail.GetProperty("ticket").ValueKind == JsonValueKind.Object && detail.GetProperty("ticket").GetProperty("syncedRevision").GetInt32() > 0 ? detail : null;
        });
        var id = incident.GetProperty("id").GetString()!;
        await SiloFixture.WaitUntilAsync(async () => (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/h1")).GetProperty("points").GetInt64() == 2, "h1 analysed");
        var changesBefore = (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cmdb/changes")).GetArrayLength();
        var webhooksBefore = silo.Webhook.Received.Count;

        await silo.RestartAsync();

        var after = await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}");
        Assert.Equal(incident.GetProperty("title").GetString(), after.GetProperty("title").GetString());
        Assert.Equal(incident.GetProperty("members").GetArrayLength(), after.GetProperty("members").GetArrayLength());
        Assert.Equal(incident.GetProperty("ticket").GetProperty("ticketId").GetString(), after.GetProperty("ticket").GetProperty("ticketId").GetString());
        Assert.Equal(changesBefore, (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cmdb/changes")).GetArrayLength());
        Assert.Equal(9, (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/cis")).GetArrayLength());
        Assert.Contains((await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/tickets")).EnumerateArray(), x => x.GetProperty("incidentId").GetString() == id);
        Assert.Equal(2, (await silo.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/h1")).GetProperty("points").GetInt64());

        // The restarted manager goes on with the same incident: a new event on a member updates it, never a second ticket.
        var stream2 = silo.App.Services.GetRequiredService<IClusterClient>().GetStreamProvider(AnomalyStreams.Provider)
            .GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        var t2 = t + 2 * IncidentEndToEndTests.Minute;
        await stream2.OnNextAsync(new AnomalyEvent($"host/h4/mem/{t2}", EntityKind.Host, "h4", "mem.used_percent", "aiops", 0.9, 80, t2));
        await SiloFixture.WaitUntilAsync(async () => (await silo.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{id}")).GetProperty("members").GetArrayLength() == 4, "h4 joined the same incident after the restart");
        await SiloFixture.WaitUntilAsync(() => Task.FromResult(silo.Webhook.Received.Count > webhooksBefore), "an update delivered");
        Assert.Single(silo.Webhook.Received, r => r.Headers["X-Aiops-Event"] == "created");
        Assert.Single(await IncidentEndToEndTests.ListAsync(silo, "all"));
    }
}
