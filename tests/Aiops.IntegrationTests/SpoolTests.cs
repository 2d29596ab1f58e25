using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aiops.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Aiops.IntegrationTests;

/// <summary>
/// A silo writing to a private InfluxDB that the test stops and restarts: points accepted while it is down go to the
/// on-disk spool and arrive exactly once when it is back. It cannot share the InfluxDB of the other tests (stopping it
/// would break them), so it starts its own with <c>scripts/influxdb.sh</c>.
/// </summary>
public sealed class SpoolTests(SpoolSiloFixture silo) : IClassFixture<SpoolSiloFixture>
{
    private static readonly long BaseNs = DateTimeOffset.Parse("2026-11-02T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task HttpWrite_InfluxStoppedAndRestarted_EveryPointArrivesExactlyOnce()
    {
        // Deltas, not absolute values: the other test of this class may have run first in the same silo.
        var spooledBefore = await MetricAsync("aiops_points_spooled_total");
        var replayedBefore = await MetricAsync("aiops_points_replayed_total");
        var writtenBefore = await MetricAsync("aiops_points_written_total");
        double expectedSum = 0;
        var next = 0;

        async Task WriteAsync(int count)
        {
            var body = new StringBuilder();
            for (var i = 0; i < count; i++, next++)
            {
                body.Append(CultureInfo.InvariantCulture, $"it_spool,host=spool-host-{next % 4} value={next * 0.5},n={next}i {BaseNs + next * 1_000_000_000L}\n");
                expectedSum += next * 0.5;
            }

            using var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString()));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await WriteAsync(1000);
        await SiloFixture.WaitUntilAsync(async () => await CountAsync() == 1000, "first 1000 points in InfluxDB");

        await silo.StopInfluxAsync();
        for (var r = 0; r < 4; r++)
        {
            await WriteAsync(500);
        }

        // Accepted while InfluxDB is down: the batches must be on disk, and readiness degraded but not failed.
        await SiloFixture.WaitUntilAsync(async () => await MetricAsync("aiops_points_spooled_total") - spooledBefore >= 2000, "2000 points spooled");
        Assert.True(await MetricAsync("aiops_spool_bytes") > 0);
        using (var ready = await silo.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
        }

        await silo.StartInfluxAsync();
        await SiloFixture.WaitUntilAsync(async () => await MetricAsync("aiops_spool_records") == 0 && await CountAsync() == 3000, "spool replayed", TimeSpan.FromSeconds(60));

        var row = (await silo.InfluxRowsAsync("SELECT count(value), sum(value), min(n), max(n), count(n) FROM it_spool"))[0];
        Assert.Equal(3000, row[1].GetInt64());
        Assert.Equal(expectedSum, row[2].GetDouble());
        Assert.Equal(0, row[3].GetInt64());
        Assert.Equal(2999, row[4].GetInt64());
        Assert.Equal(3000, row[5].GetInt64());
        // Every spooled point was replayed, and the replay wrote no more points than were spooled.
        Assert.Equal(await MetricAsync("aiops_points_spooled_total") - spooledBefore, await MetricAsync("aiops_points_replayed_total") - replayedBefore);
        Assert.Equal(3000, await MetricAsync("aiops_points_written_total") - writtenBefore);
    }

    [Fact]
    public async Task SiloRestart_WhileInfluxDown_SpooledPointsReplayedByNextSilo()
    {
        await silo.StopInfluxAsync();
        var body = new StringBuilder();
        double expectedSum = 0;
        for (var i = 0; i < 1500; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"it_spool_restart,host=r{i % 3} value={i * 0.25} {BaseNs + i * 1_000_000_000L}\n");
            expectedSum += i * 0.25;
        }

        using (var response = await silo.Http.PostAsync("/write", new StringContent(body.ToString())))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        // Stop right away: part of the points may still be in memory, and shutdown must put them in the spool too.
        await silo.RestartSiloAsync();
        Assert.Equal(1500, await MetricAsync("aiops_spool_points"));
        Assert.Equal(0, await MetricAsync("aiops_points_written_total"));

        await silo.StartInfluxAsync();
        await SiloFixture.WaitUntilAsync(async () => await CountAsync("it_spool_restart") == 1500, "spool replayed by the new silo", TimeSpan.FromSeconds(60));
        var row = (await silo.InfluxRowsAsync("SELECT count(value), sum(value) FROM it_spool_restart"))[0];
        Assert.Equal(1500, row[1].GetInt64());
        Assert.Equal(expectedSum, row[2].GetDouble());
        await SiloFixture.WaitUntilAsync(async () => await MetricAsync("aiops_spool_records") == 0, "spool empty");
        Assert.Equal(1500, await MetricAsync("aiops_points_replayed_total"));
    }

    private async Task<long> CountAsync(string measurement = "it_spool")
    {
        var rows = await silo.InfluxRowsAsync($"SELECT count(value) FROM {measurement}");
        return rows.Count == 0 ? 0 : rows[0][1].GetInt64();
    }

    private async Task<double> MetricAsync(string name)
    {
        var text = await silo.Http.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"metric {name} not found in /metrics");
    }
}

/// <summary>
/// A silo (same start logic as <see cref="SiloFixture"/>) whose <c>Influx:Url</c> points at a private InfluxDB on a
/// free port, with its data and the spool under a temporary directory.
/// </summary>
public sealed class SpoolSiloFixture : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "aiops-spool-it-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _repoRoot = FindRepoRoot();
    private readonly int _influxPort = FreeInfluxPort();
    private WebApplication? _app;

    public string Database { get; } = "aiops_spool";

    public HttpClient Http { get; private set; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    private HttpClient Influx { get; set; } = null!;

    public async Task InitializeAsync()
    {
        await StartInfluxAsync();
        Influx = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_influxPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await StartSiloAsync();
    }

    /// <summary>Stops the silo (as a host shutdown does) and starts a new one on the same spool directory.</summary>
    public async Task RestartSiloAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        _app = null;
        Http.Dispose();
        Http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await StartSiloAsync();
    }

    private async Task StartSiloAsync()
    {
        // Fresh ports on every start: the previous silo's may linger in TIME_WAIT.
        (_app, var httpPort, _) = await TestSilos.StartAsync((http, grpc, silo, gateway) => new Dictionary<string, string?>
        {
            ["Aiops:HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
            ["Aiops:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Aiops:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Aiops:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["Aiops:ClusterId"] = "spool_" + Guid.NewGuid().ToString("N")[..8],
            ["Influx:Url"] = $"http://127.0.0.1:{_influxPort}",
            ["Influx:Database"] = Database,
            ["Influx:LingerMs"] = "100",
            ["Influx:BatchSize"] = "200",
            // Short backoff so the replay notices the restarted InfluxDB within a second, not 30.
            ["Influx:MaxBackoffMs"] = "500",
            ["Influx:RequestTimeoutSeconds"] = "5",
            ["Influx:SpoolDirectory"] = Path.Combine(_work, "spool"),
            ["Aiops:DataDirectory"] = Path.Combine(_work, "data"),
            // These tests count every point the writer handles: no derived series (anomaly scores) on top of the raw ones.
            ["Aiops:Analytics:Detector"] = "null",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        Http.BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await StopInfluxAsync();
        Http.Dispose();
        Influx?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task StartInfluxAsync() => RunScriptAsync("start", Path.Combine(_work, "influxdb"), _influxPort.ToString(CultureInfo.InvariantCulture), Database);

    public Task StopInfluxAsync() => RunScriptAsync("stop", Path.Combine(_work, "influxdb"));

    /// <summary>The values of the first series of an InfluxQL query, or an empty list when it returned none.</summary>
    public async Task<List<JsonElement[]>> InfluxRowsAsync(string query)
    {
        var text = await Influx.GetStringAsync($"/query?db={Database}&epoch=ns&q={Uri.EscapeDataString(query)}");
        using var doc = JsonDocument.Parse(text);
        var result = doc.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"InfluxQL error for '{query}': {error}");
        }

        return result.TryGetProperty("series", out var series)
            ? series[0].GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.Clone()).ToArray()).ToList()
            : [];
    }

    private async Task RunScriptAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _repoRoot };
        psi.ArgumentList.Add(Path.Combine(_repoRoot, "scripts", "influxdb.sh"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/influxdb.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aiops.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Aiops.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>A free port whose +2 neighbour (InfluxDB's RPC bind address in influxdb.sh) is free as well.</summary>
    private static int FreeInfluxPort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = TestSilos.FreePort();
            if (port + 2 <= 65535 && IsFree(port + 2))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port pair for the private InfluxDB");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
