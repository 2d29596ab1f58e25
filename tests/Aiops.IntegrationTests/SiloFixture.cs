using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Aiops.Silo;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Aiops.IntegrationTests;

/// <summary>
/// A real silo (Orleans, Kestrel, gRPC) on free loopback ports, writing to the real InfluxDB that <c>test.sh</c>
/// starts (<c>AIOPS_TEST_INFLUX_URL</c>, default <c>http://127.0.0.1:18086</c>) in a database of its own.
/// </summary>
public class SiloFixture : IAsyncLifetime
{
    public static readonly string InfluxUrl = Environment.GetEnvironmentVariable("AIOPS_TEST_INFLUX_URL") ?? "http://127.0.0.1:18086";

    /// <summary>The per-host series limit the fixture runs with (small, so tests can exceed it).</summary>
    public const int MaxSeriesPerEntity = 50;

    private WebApplication? _app;

    public string Database { get; } = "aiops_it_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Grain state (SQLite) and spool of this fixture only, removed on dispose.</summary>
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "aiops-it-" + Guid.NewGuid().ToString("N")[..10]);

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public HttpClient Http { get; private set; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public HttpClient Influx { get; } = new() { BaseAddress = new Uri(InfluxUrl), Timeout = TimeSpan.FromSeconds(30) };

    public GrpcChannel Grpc { get; private set; } = null!;

    public WebApplication App => _app ?? throw new InvalidOperationException("not started");

    /// <summary>Extra settings of a derived fixture (e.g. auth on).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    public Task InitializeAsync() => StartAsync();

    /// <summary>
    /// Stops the silo as a host shutdown does and starts a new one on the same data directory, service id and
    /// InfluxDB database (fresh ports: the old ones may linger in TIME_WAIT). <see cref="Http"/> and
    /// <see cref="Grpc"/> then talk to the new silo.
    /// </summary>
    public async Task RestartAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        _app = null;
        Grpc.Dispose();
        await StartAsync();
    }

    private async Task StartAsync()
    {
        (_app, HttpPort, GrpcPort) = await TestSilos.StartAsync((http, grpc, silo, gateway) =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Aiops:HttpPort"] = http.ToString(),
                ["Aiops:GrpcPort"] = grpc.ToString(),
                ["Aiops:SiloPort"] = silo.ToString(),
                ["Aiops:GatewayPort"] = gateway.ToString(),
                ["Aiops:ClusterId"] = Database,
                ["Aiops:ServiceId"] = Database,
                ["Aiops:DataDirectory"] = DataDirectory,
                ["Aiops:Ingest:MaxBodyBytes"] = (1024 * 1024).ToString(),
                ["Aiops:Ingest:MaxSeriesPerEntity"] = MaxSeriesPerEntity.ToString(),
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
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(60), BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        await WaitUntilAsync(async () => (await InfluxQueryAsync("SHOW DATABASES")).GetRawText().Contains(Database, StringComparison.Ordinal), "database created");
    }

    public virtual async Task DisposeAsync()
    {
        Grpc?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        using var content = new FormUrlEncodedContent([new("q", $"DROP DATABASE \"{Database}\"")]);
        using var _ = await Influx.PostAsync("/query", content);
        Http.Dispose();
        Influx.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>Runs an InfluxQL query against the fixture's database; returns <c>results[0]</c>.</summary>
    public async Task<JsonElement> InfluxQueryAsync(string query)
    {
        using var response = await Influx.GetAsync($"/query?db={Database}&epoch=ns&q={Uri.EscapeDataString(query)}");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"InfluxDB answered {(int)response.StatusCode} to '{query}': {text}");
        }

        using var doc = JsonDocument.Parse(text);
        var result = doc.RootElement.GetProperty("results")[0].Clone();
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"InfluxQL error for '{query}': {error}");
        }

        return result;
    }

    /// <summary>The values of the first series of a query, or an empty list when it returned none.</summary>
    public async Task<List<JsonElement[]>> InfluxRowsAsync(string query)
    {
        var result = await InfluxQueryAsync(query);
        if (!result.TryGetProperty("series", out var series))
        {
            return [];
        }

        return series[0].GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().ToArray()).ToList();
    }

    /// <summary>Polls <paramref name="condition"/> until true; fails with <paramref name="what"/> after <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
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

}

/// <summary>A silo with token auth on.</summary>
public sealed class AuthSiloFixture : SiloFixture
{
    public const string WriteToken = "write-token-123";
    public const string ReadToken = "read-token-456";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Aiops:Auth:Enabled", "true"),
        new("Aiops:Auth:Tokens:0:Token", WriteToken),
        new("Aiops:Auth:Tokens:0:Scopes:0", "write"),
        new("Aiops:Auth:Tokens:1:Token", ReadToken),
        new("Aiops:Auth:Tokens:1:Scopes:0", "read"),
    ];
}
