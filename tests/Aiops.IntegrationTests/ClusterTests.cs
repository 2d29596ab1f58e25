using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aiops.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace Aiops.IntegrationTests;

/// <summary>
/// Cluster mode: two silos in this process, one cluster recorded in PostgreSQL (<c>AIOPS_TEST_PG</c>, which
/// <c>test.sh</c> always sets), each test run in a fresh database prepared with <c>scripts/sql</c>.
/// </summary>
public sealed class ClusterTests
{
    private const int HostsPerSilo = 6;
    private const int PointsPerHost = 5;
    private static readonly long BaseNs = DateTimeOffset.Parse("2026-11-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() * 1_000_000;

    [Fact]
    public async Task TwoSilos_WritesThroughEither_SameStateOnBothAndSurvivesStoppingOne()
    {
        var server = Environment.GetEnvironmentVariable("AIOPS_TEST_PG");
        if (string.IsNullOrWhiteSpace(server))
        {
            Assert.Fail("PostgreSQL is required: set AIOPS_TEST_PG to a connection string of a server where we may create databases "
                + "(e.g. Host=127.0.0.1;Port=15432;Username=postgres); ./test.sh starts one with scripts/postgres.sh and sets it.");
        }

        await using var database = await ClusterDatabase.CreateAsync(server!);
        var silos = new List<WebApplication>();
        try
        {
            var a = await StartSiloAsync(database, silos);
            var b = await StartSiloAsync(database, silos);
            await SiloFixture.WaitUntilAsync(() => Task.FromResult(ActiveSilos(a) == 2 && ActiveSilos(b) == 2), "both silos active in one cluster", TimeSpan.FromSeconds(60));

            // The reminder table is in the same database and answers the 10.4.2 provider's queries.
            var reminders = b.Services.GetRequiredService<IReminderTable>();
            var grain = GrainId.Create("host", "cl-reminder");
            var etag = await reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromDays(40) });
            Assert.NotNull(etag);
            var reminder = await reminders.ReadRow(grain, "r");
            Assert.NotNull(reminder);
            Assert.Equal((etag, TimeSpan.FromDays(40)), (reminder.ETag, reminder.Period));
            Assert.True(await reminders.RemoveRow(grain, "r", etag));

            using var httpA = Client(a);
            using var httpB = Client(b);
            var hostsViaA = Enumerable.Range(0, HostsPerSilo).Select(i => $"cl-a{i}").ToList();
            var hostsViaB = Enumerable.Range(0, HostsPerSilo).Select(i => $"cl-b{i}").ToList();
            await WriteAsync(httpA, hostsViaA);
            await WriteAsync(httpB, hostsViaB);
            var all = hostsViaA.Concat(hostsViaB).ToList();

            // Every host reads the same from either silo: its grain lives once in the cluster.
            foreach (var host in all)
            {
                await WaitForHostAsync(httpA, host, PointsPerHost);
                var viaA = SeriesOf(await httpA.GetFromJsonAsync<JsonElement>($"/api/v1/hosts/{host}"));
                var viaB = SeriesOf(await httpB.GetFromJsonAsync<JsonElement>($"/api/v1/hosts/{host}"));
                Assert.Equal(viaA, viaB);
                Assert.Equal(LastValue(host), viaA.Value);
                Assert.Equal(PointsPerHost, viaA.Count);
            }

            // The state is in PostgreSQL grain storage (snapshots on every batch in this test), not only in memory;
            // the ADO.NET provider records the state name ("analytics" of the entity grains) as the grain type.
            var stored = await database.StoredGrainTypesAsync();
            Assert.True(stored.Count(t => t == "analytics") >= all.Count, $"every host grain has a row in OrleansStorage; rows by grain type: {string.Join(", ", stored)}");

            var onA = await HostsActiveOnAsync(b, Silo(a));
            Assert.True(onA.Count > 0, $"some of the {all.Count} host grains should live on silo A (placement put none there)");

            await a.StopAsync();
            await a.DisposeAsync();
            silos.Remove(a);

            // Silo B answers for the hosts that lived on A, from the state A left in PostgreSQL.
            await SiloFixture.WaitUntilAsync(() => Task.FromResult(ActiveSilos(b) == 1), "silo B sees silo A gone", TimeSpan.FromSeconds(60));
            foreach (var host in onA)
            {
                var series = await WaitForHostAsync(httpB, host, PointsPerHost, TimeSpan.FromSeconds(60));
                Assert.Equal(LastValue(host), series.Value);
            }

            // And it goes on counting from there, rather than starting a fresh grain.
            var moved = onA[0];
            using (var write = await httpB.PostAsync("/write", new StringContent($"cl_metrics,host={moved} v=-1 {BaseNs + PointsPerHost * 10_000_000_000L}\n")))
            {
                Assert.Equal(HttpStatusCode.NoContent, write.StatusCode);
            }

            var after = await WaitForHostAsync(httpB, moved, PointsPerHost + 1);
            Assert.Equal(-1, after.Value);
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.StopAsync();
                await silo.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("kubernetes", null, "Aiops:Cluster:Mode is 'kubernetes'")]
    [InlineData("postgres", null, "Aiops:Cluster:ConnectionString is empty")]
    public void Build_InvalidClusterSettings_ThrowsNamingTheSetting(string mode, string? connectionString, string expected)
    {
        var settings = new Dictionary<string, string?> { ["Aiops:Cluster:Mode"] = mode, ["Aiops:Cluster:ConnectionString"] = connectionString };
        var error = Assert.Throws<InvalidOperationException>(() => AiopsHost.Build([], builder => builder.Configuration.AddInMemoryCollection(settings)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartSiloAsync(ClusterDatabase database, List<WebApplication> silos)
    {
        var dataDirectory = database.DataDirectory(silos.Count);
        var (app, _, _) = await TestSilos.StartAsync((http, grpc, silo, gateway) => new Dictionary<string, string?>
        {
            ["Aiops:HttpPort"] = http.ToString(CultureInfo.InvariantCulture),
            ["Aiops:GrpcPort"] = grpc.ToString(CultureInfo.InvariantCulture),
            ["Aiops:SiloPort"] = silo.ToString(CultureInfo.InvariantCulture),
            ["Aiops:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["Aiops:ClusterId"] = database.Name,
            ["Aiops:ServiceId"] = database.Name,
            ["Aiops:Cluster:Mode"] = "postgres",
            ["Aiops:Cluster:ConnectionString"] = database.ConnectionString,
            ["Aiops:DataDirectory"] = dataDirectory,
            ["Aiops:Analytics:SnapshotIntervalSeconds"] = "0",
            ["Influx:Url"] = SiloFixture.InfluxUrl,
            ["Influx:Database"] = database.Name,
            ["Influx:LingerMs"] = "100",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        });
        silos.Add(app);
        return app;
    }

    private static HttpClient Client(WebApplication silo)
    {
        var configuration = silo.Services.GetRequiredService<IConfiguration>();
        return new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{configuration["Aiops:HttpPort"]}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    private static SiloAddress Silo(WebApplication silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    private static int ActiveSilos(WebApplication silo) =>
        silo.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);

    /// <summary>Keys of the host grains activated on <paramref name="target"/>, asked through <paramref name="via"/>'s management grain.</summary>
    private static async Task<List<string>> HostsActiveOnAsync(WebApplication via, SiloAddress target)
    {
        var management = via.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var stats = await management.GetDetailedGrainStatistics(hostsIds: [target]);
        return stats
            .Where(s => s.GrainId.Type.ToString() == "host")
            .Select(s => s.GrainId.Key.ToString()!)
            .Where(k => k.StartsWith("cl-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static double LastValue(string host) => Seed(host) + PointsPerHost - 1;

    private static int Seed(string host) => (host[3] == 'a' ? 100 : 200) + 10 * (host[4] - '0');

    private static async Task WriteAsync(HttpClient http, IEnumerable<string> hosts)
    {
        var body = new StringBuilder();
        foreach (var host in hosts)
        {
            for (var i = 0; i < PointsPerHost; i++)
            {
                body.Append(CultureInfo.InvariantCulture, $"cl_metrics,host={host} v={Seed(host) + i} {BaseNs + i * 10_000_000_000L}\n");
            }
        }

        using var response = await http.PostAsync("/write", new StringContent(body.ToString()));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static async Task<(double Value, long Count)> WaitForHostAsync(HttpClient http, string host, long count, TimeSpan? timeout = null)
    {
        (double Value, long Count) last = default;
        await SiloFixture.WaitUntilAsync(async () =>
        {
            using var response = await http.GetAsync($"/api/v1/hosts/{host}");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            last = SeriesOf(await response.Content.ReadFromJsonAsync<JsonElement>());
            return last.Count == count;
        }, $"host {host} shows {count} points (last seen: {last})", timeout);
        return last;
    }

    private static (double Value, long Count) SeriesOf(JsonElement detail)
    {
        var series = detail.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("series").GetString() == "cl_metrics.v");
        return (series.GetProperty("value").GetDouble(), series.GetProperty("count").GetInt64());
    }


    /// <summary>A database of this test run, with the Orleans schema from <c>scripts/sql</c>; dropped on dispose.</summary>
    private sealed class ClusterDatabase : IAsyncDisposable
    {
        private readonly string _server;
        private readonly string _dataRoot = Path.Combine(Path.GetTempPath(), "aiops-cluster-" + Guid.NewGuid().ToString("N")[..10]);

        private ClusterDatabase(string server, string name)
        {
            _server = server;
            Name = name;
            ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        }

        public string Name { get; }

        public string ConnectionString { get; }

        public string DataDirectory(int silo) => Path.Combine(_dataRoot, $"silo{silo}");

        public static async Task<ClusterDatabase> CreateAsync(string server)
        {
            var database = new ClusterDatabase(server, "aiops_it_" + Guid.NewGuid().ToString("N")[..10]);
            await using (var admin = await database.OpenAsync("postgres"))
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", admin);
                await create.ExecuteNonQueryAsync();
            }

            var sql = FindScripts();
            await using var connection = await database.OpenAsync(database.Name);
            foreach (var file in File.ReadAllLines(Path.Combine(sql, "ORDER")).Where(l => l.Length > 0))
            {
                await using var command = new NpgsqlCommand(await File.ReadAllTextAsync(Path.Combine(sql, file)), connection);
                try
                {
                    await command.ExecuteNonQueryAsync();
                }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"{Path.Combine(sql, file)}: {e.MessageText} (line of the statement: {e.Line}, position {e.Position})", e);
                }
            }

            return database;
        }

        /// <summary>The grain type of every row with a payload in <c>OrleansStorage</c> for this service.</summary>
        public async Task<List<string>> StoredGrainTypesAsync()
        {
            await using var connection = await OpenAsync(Name);
            await using var command = new NpgsqlCommand("SELECT graintypestring FROM orleansstorage WHERE serviceid = @s AND payloadbinary IS NOT NULL", connection);
            command.Parameters.AddWithValue("s", Name);
            var types = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                types.Add(reader.GetString(0));
            }

            return types;
        }

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            await using (var admin = await OpenAsync("postgres"))
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }

            using var influx = new HttpClient { BaseAddress = new Uri(SiloFixture.InfluxUrl) };
            using var content = new FormUrlEncodedContent([new("q", $"DROP DATABASE \"{Name}\"")]);
            using var _ = await influx.PostAsync("/query", content);
            try
            {
                Directory.Delete(_dataRoot, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        private async Task<NpgsqlConnection> OpenAsync(string database)
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = database }.ConnectionString);
            await connection.OpenAsync();
            return connection;
        }

        private static string FindScripts()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "scripts", "sql");
                if (File.Exists(Path.Combine(candidate, "ORDER")))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException($"scripts/sql/ORDER not found above {AppContext.BaseDirectory}");
        }
    }
}
