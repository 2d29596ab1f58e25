using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aiops.Abstractions;
using Aiops.Abstractions.Models;
using Aiops.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Orleans.Runtime;

namespace Aiops.UiTests;

/// <summary>
/// A real silo (start logic as in <c>Aiops.IntegrationTests.SiloFixture</c>) on free loopback ports, writing to the real
/// InfluxDB that <c>test.sh</c> starts (<c>AIOPS_TEST_INFLUX_URL</c>, default <c>http://127.0.0.1:18086</c>), seeded
/// through its public inputs: a small CMDB, five correlated anomaly events on the hosts behind one switch (one incident
/// rooted at the switch, with a ticket sent to a loopback webhook) with two hours of those hosts' memory, and a leaking
/// memory series (one open prediction); plus two flagged <c>aiops_anomaly</c> scores of the leak written straight to
/// InfluxDB, for the prediction chart's markers.
/// Also a headless Debian chromium (<c>/usr/bin/chromium</c>, installed by <c>scripts/chromium.sh</c>) driven by Playwright.
/// </summary>
public class UiFixture : IAsyncLifetime
{
    public static readonly string InfluxUrl = Environment.GetEnvironmentVariable("AIOPS_TEST_INFLUX_URL") ?? "http://127.0.0.1:18086";

    public const string ChromiumPath = "/usr/bin/chromium";

    internal const string Cmdb = """
        {"cis": [
          {"id": "sw1", "type": "network-switch", "name": "Switch 1", "attributes": {"rack": "R12"}},
          {"id": "h1", "type": "host", "name": "h1", "attributes": {}},
          {"id": "h2", "type": "host", "name": "h2", "attributes": {}},
          {"id": "h3", "type": "host", "name": "h3", "attributes": {}},
          {"id": "h4", "type": "host", "name": "h4", "attributes": {}},
          {"id": "h5", "type": "host", "name": "h5", "attributes": {}},
          {"id": "leak-host", "type": "host", "name": "leak-host", "attributes": {}},
          {"id": "svc-a", "type": "service", "name": "A", "attributes": {}},
          {"id": "svc-b", "type": "service", "name": "B", "attributes": {}},
          {"id": "app", "type": "application", "name": "Shop", "attributes": {}}
        ],
        "relations": [
          {"from": "h1", "to": "sw1", "type": "connects-to"}, {"from": "h2", "to": "sw1", "type": "connects-to"},
          {"from": "h3", "to": "sw1", "type": "connects-to"}, {"from": "h4", "to": "sw1", "type": "connects-to"},
          {"from": "h5", "to": "sw1", "type": "connects-to"},
          {"from": "svc-a", "to": "h1", "type": "runs-on"}, {"from": "svc-a", "to": "h2", "type": "runs-on"},
          {"from": "svc-b", "to": "h3", "type": "runs-on"}, {"from": "svc-b", "to": "h4", "type": "runs-on"},
          {"from": "app", "to": "svc-a", "type": "depends-on"}, {"from": "app", "to": "svc-b", "type": "depends-on"}
        ]}
        """;

    private const long MinuteNs = 60_000_000_000L;

    // The leak (as in PredictionLiveTests): a day at 60 %, then +1.5 points an hour; 95 % is crossed at 24 h + 35/1.5 h.
    // The series ends three hours before that crossing, at "now", so the prediction's ETA lies about 3 h in the future.
    private static readonly int LeakMinutes = (int)((24 + 35 / 1.5) * 60) - 180;

    private readonly Aiops.IntegrationTests.WebhookReceiver _webhook = new();
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public string Database { get; } = "aiops_ui_" + Guid.NewGuid().ToString("N")[..10];

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "aiops-ui-" + Guid.NewGuid().ToString("N")[..10]);

    public int HttpPort { get; private set; }

    public string BaseUrl => $"http://127.0.0.1:{HttpPort}";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The id of the seeded incident (rooted at <c>sw1</c>).</summary>
    public string IncidentId { get; private set; } = string.Empty;

    /// <summary>Where the tests save their screenshots.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Extra settings of a derived fixture (e.g. auth on).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    /// <summary>Whether to seed the CMDB, the incident and the prediction (an unseeded silo shows the empty states).</summary>
    protected virtual bool Seeded => true;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/chromium.sh (test.sh does) to install Debian's chromium.");
        }


        (_app, HttpPort, _) = await Aiops.IntegrationTests.TestSilos.StartAsync((http, grpc, silo, gateway) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Aiops:HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
                ["Aiops:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
                ["Aiops:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
                ["Aiops:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
                ["Aiops:ClusterId"] = Database,
                ["Aiops:ServiceId"] = Database,
                ["Aiops:DataDirectory"] = DataDirectory,
                ["Aiops:Incidents:TimerSeconds"] = "1",
                ["Aiops:Tickets:CreateDelaySeconds"] = "1",
                ["Aiops:Tickets:WebhookUrl"] = _webhook.Url,
                ["Aiops:Tickets:WebhookSecret"] = "ui-test-secret",
                ["Influx:Url"] = InfluxUrl,
                ["Influx:Database"] = Database,
                ["Influx:LingerMs"] = "100",
                ["Serilog:MinimumLevel:Default"] = "Warning",
            };
            foreach (var (k, v) in ExtraSettings)
            {
                settings[k] = v;
            }

            return settings;
        });
        Http.BaseAddress = new Uri(BaseUrl);

        if (Seeded)
        {
            await SeedAsync();
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh 1280×800 page; failed requests and console errors are collected for the assertions.</summary>
    public async Task<(IPage Page, List<string> Errors)> NewPageAsync()
    {
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        return (page, errors);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _webhook.Dispose();
        using var influx = new HttpClient { BaseAddress = new Uri(InfluxUrl) };
        using var content = new FormUrlEncodedContent([new("q", $"DROP DATABASE \"{Database}\"")]);
        using var _ = await influx.PostAsync("/query", content);
        Http.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Polls <paramref name="condition"/> until true; fails naming <paramref name="what"/> after 60 s.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }
        }
    }

    private async Task SeedAsync()
    {
        using (var import = await Http.PostAsync("/api/v1/cmdb/import?mode=replace", new StringContent(Cmdb, Encoding.UTF8, "application/json")))
        {
            if (import.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"CMDB import answered {(int)import.StatusCode}: {await import.Content.ReadAsStringAsync()}");
            }
        }

        var client = _app!.Services.GetRequiredService<IClusterClient>();
        await client.GetGrain<IIncidentManagerGrain>(AnomalyStreams.AllKey).RefreshCmdb();

        // The leak first, ending a minute ago, so the incident's events below are the newest event time the silo sees.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var startNs = now - (LeakMinutes + 1) * MinuteNs;
        var noise = new Random(7);
        var body = new StringBuilder();
        for (var i = 0; i < LeakMinutes; i++)
        {
            var leak = 60 + 1.5 * Math.Max(0, (i / 60.0) - 24) + (Gaussian(noise) * 0.7);
            body.Append(CultureInfo.InvariantCulture, $"mem,host=leak-host used_percent={leak:0.###} {startNs + (i * MinuteNs)}\n");
        }

        using (var write = await Http.PostAsync("/write", new StringContent(body.ToString())))
        {
            if (write.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"/write answered {(int)write.StatusCode}: {await write.Content.ReadAsStringAsync()}");
            }
        }

        // Two hours of memory of each host behind the switch, jumping from ~45 % to ~80 % a minute before the anomaly
        // events below: the incident's member charts. 120 points are inside the detectors' probation (300), so these
        // raise no anomaly events of their own.
        var hostsBody = new StringBuilder();
        for (var m = -118; m <= 2; m++)
        {
            foreach (var h in new[] { "h1", "h2", "h3", "h4", "h5" })
            {
                var v = (m >= -1 ? 80 : 45) + (Gaussian(noise) * 0.8);
                hostsBody.Append(CultureInfo.InvariantCulture, $"mem,host={h} used_percent={v:0.###} {now + (m * MinuteNs)}\n");
            }
        }

        using (var write = await Http.PostAsync("/write", new StringContent(hostsBody.ToString())))
        {
            if (write.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"/write answered {(int)write.StatusCode}: {await write.Content.ReadAsStringAsync()}");
            }
        }

        // Two flagged scores of leak-host in its last hours, written to InfluxDB as the grains write aiops_anomaly (the
        // leak itself is too smooth for the detector to flag): the prediction chart's anomaly markers. Half a minute off
        // the samples and under a detector tag of their own, so the grain's own score points never overwrite them.
        using (var influx = new HttpClient { BaseAddress = new Uri(InfluxUrl) })
        {
            var scores = new StringBuilder();
            foreach (var back in new[] { 150, 149 })
            {
                var value = 60 + (1.5 * Math.Max(0, ((LeakMinutes - back) / 60.0) - 24));
                scores.Append(CultureInfo.InvariantCulture, $"aiops_anomaly,host=leak-host,series=mem.used_percent,detector=seeded score=0.9,value={value:0.###},anomaly=true {startNs + ((LeakMinutes - back) * MinuteNs) + (MinuteNs / 2)}\n");
            }

            using var write = await influx.PostAsync($"/write?db={Uri.EscapeDataString(Database)}&precision=ns", new StringContent(scores.ToString()));
            if (write.StatusCode != HttpStatusCode.NoContent)
            {
                throw new InvalidOperationException($"InfluxDB /write answered {(int)write.StatusCode}: {await write.Content.ReadAsStringAsync()}");
            }
        }

        // The five hosts behind the switch degrade within two minutes of each other: one incident rooted at sw1.
        var stream = client.GetStreamProvider(AnomalyStreams.Provider).GetStream<AnomalyEvent>(StreamId.Create(AnomalyStreams.Namespace, AnomalyStreams.AllKey));
        string[] hosts = ["h1", "h2", "h3", "h4", "h5"];
        for (var i = 0; i < hosts.Length; i++)
        {
            var ns = now + (i * MinuteNs / 2);
            await stream.OnNextAsync(new AnomalyEvent($"host/{hosts[i]}/mem.used_percent/{ns}", EntityKind.Host, hosts[i], "mem.used_percent", "aiops", 0.9, 80, ns));
        }

        await WaitUntilAsync(async () =>
        {
            var list = await Http.GetFromJsonAsync<JsonElement>("/api/v1/incidents?state=active");
            var mine = list.EnumerateArray().FirstOrDefault(i => i.GetProperty("rootCi").GetString() == "sw1" && i.GetProperty("members").GetArrayLength() == 5);
            IncidentId = mine.ValueKind == JsonValueKind.Object ? mine.GetProperty("id").GetString()! : string.Empty;
            return IncidentId.Length > 0;
        }, "one active incident rooted at sw1 with five members");
        await WaitUntilAsync(async () => (await Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions?state=open&ci=leak-host")).GetArrayLength() > 0, "an open prediction for leak-host");
        await WaitUntilAsync(async () => (await Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{IncidentId}")).GetProperty("ticket").ValueKind == JsonValueKind.Object, "the incident's ticket");
        var window = $"from={Uri.EscapeDataString(UnixNanos.ToTime(now - (120 * MinuteNs)).ToString("O"))}&to={Uri.EscapeDataString(UnixNanos.ToTime(now + (3 * MinuteNs)).ToString("O"))}&step=1m";
        await WaitUntilAsync(async () =>
        {
            foreach (var h in new[] { "h1", "h2", "h3", "h4", "h5" })
            {
                var series = await Http.GetFromJsonAsync<JsonElement>($"/api/v1/series?entity={h}&series=mem.used_percent&{window}");
                if (series.GetProperty("points").GetArrayLength() < 121)
                {
                    return false;
                }
            }

            return true;
        }, "the member hosts' memory in InfluxDB");
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

}

/// <summary>An empty silo with token auth on: the UI must ask for a token and then show its empty states.</summary>
public sealed class AuthUiFixture : UiFixture
{
    public const string ReadToken = "ui-read-token-456";

    protected override bool Seeded => false;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Aiops:Auth:Enabled", "true"),
        new("Aiops:Auth:Tokens:0:Token", ReadToken),
        new("Aiops:Auth:Tokens:0:Scopes:0", "read"),
    ];
}
