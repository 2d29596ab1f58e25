using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Aiops.IntegrationTests.Dashboards;

/// <summary>
/// A database of its own on the test InfluxDB (<see cref="SiloFixture.InfluxUrl"/>), seeded with
/// <see cref="DashboardSeed"/> on start and dropped on dispose. No silo: the dashboards only read InfluxDB.
/// </summary>
public sealed class DashboardInfluxFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Task<GrafanaMacros>> _macros = new(StringComparer.Ordinal);

    /// <summary>Database name, unique per fixture instance.</summary>
    public string Database { get; } = "aiops_dash_" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>End of the seeded data (now, truncated to the minute).</summary>
    public DateTimeOffset SeedEnd { get; } = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute, TimeSpan.Zero);

    /// <summary>The dashboard time range the queries are expanded with: 3 h before <see cref="SeedEnd"/> to 5 min after.</summary>
    public (DateTimeOffset From, DateTimeOffset To) Range => (SeedEnd.AddHours(-3), SeedEnd.AddMinutes(5));

    private HttpClient Influx { get; } = new() { BaseAddress = new Uri(SiloFixture.InfluxUrl), Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        await PostQueryAsync($"CREATE DATABASE \"{Database}\"");
        using var body = new StringContent(DashboardSeed.LineProtocol(SeedEnd), Encoding.UTF8, "text/plain");
        using var response = await Influx.PostAsync($"/write?db={Database}&precision=ns", body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"seeding {Database} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        // A 204 means the points are indexed; this guards against a proxy or an async InfluxDB build acking early.
        await SiloFixture.WaitUntilAsync(async () => (await RowsAsync("SELECT count(\"title\") FROM \"aiops_incident\"")).Count > 0, "seeded points visible");
    }

    public async Task DisposeAsync()
    {
        await PostQueryAsync($"DROP DATABASE \"{Database}\"");
        Influx.Dispose();
    }

    /// <summary>Runs one InfluxQL statement on <see cref="Database"/>; returns <c>results[0]</c>, or throws with InfluxDB's error and the query.</summary>
    public async Task<JsonElement> QueryAsync(string query)
    {
        using var response = await Influx.GetAsync($"/query?db={Database}&epoch=ms&q={Uri.EscapeDataString(query)}");
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"InfluxDB answered {(int)response.StatusCode} to: {query}\n{text}");
        }

        using var doc = JsonDocument.Parse(text);
        var results = doc.RootElement.GetProperty("results");
        if (results.GetArrayLength() != 1)
        {
            throw new InvalidOperationException($"expected one statement result, got {results.GetArrayLength()} for: {query}");
        }

        var result = results[0].Clone();
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"InfluxQL error '{error.GetString()}' for: {query}");
        }

        return result;
    }

    /// <summary>
    /// The rows of every series of a query as column-name → value maps (tags of the series included), keeping only
    /// rows with at least one non-null value besides <c>time</c>: a <c>fill(null)</c> grid of nulls is not data.
    /// </summary>
    public async Task<List<Dictionary<string, JsonElement>>> RowsAsync(string query)
    {
        var rows = new List<Dictionary<string, JsonElement>>();
        var result = await QueryAsync(query);
        if (!result.TryGetProperty("series", out var series))
        {
            return rows;
        }

        foreach (var s in series.EnumerateArray())
        {
            var columns = s.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var values in s.GetProperty("values").EnumerateArray())
            {
                var row = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                if (s.TryGetProperty("tags", out var tags))
                {
                    foreach (var tag in tags.EnumerateObject())
                    {
                        row[tag.Name] = tag.Value;
                    }
                }

                var hasValue = false;
                var i = 0;
                foreach (var v in values.EnumerateArray())
                {
                    row[columns[i]] = v;
                    hasValue |= columns[i] != "time" && v.ValueKind != JsonValueKind.Null;
                    i++;
                }

                if (hasValue)
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Macros for <paramref name="dashboard"/> over <see cref="Range"/>, its variables resolved in order the way Grafana
    /// does it: a query variable runs its (expanded) query and takes the first value; custom/constant/textbox take the
    /// first listed value. A variable with no value fails here, naming it.
    /// </summary>
    public Task<GrafanaMacros> MacrosAsync(GrafanaDashboard dashboard) => _macros.GetOrAdd(dashboard.File, _ => ResolveAsync(dashboard));

    private async Task<GrafanaMacros> ResolveAsync(GrafanaDashboard dashboard)
    {
        var macros = new GrafanaMacros(Range.From, Range.To);
        foreach (var v in dashboard.Variables())
        {
            string? value;
            if (v.Type == "query")
            {
                var rows = await RowsAsync(macros.Expand(v.Query));

                // SHOW TAG VALUES answers key/value columns; other queries answer their first non-time column.
                value = rows.Select(r => r.TryGetValue("value", out var x) ? x : r.Where(c => c.Key != "time").Select(c => c.Value).FirstOrDefault())
                    .Where(x => x.ValueKind == JsonValueKind.String || x.ValueKind == JsonValueKind.Number)
                    .Select(x => x.ToString())
                    .Order(StringComparer.Ordinal)
                    .FirstOrDefault();
            }
            else if (v.Type is "custom" or "constant" or "textbox" or "interval")
            {
                value = v.Query.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            }
            else
            {
                throw new NotSupportedException($"{dashboard.File}: variable '{v.Name}' has type '{v.Type}', which this test cannot resolve");
            }

            macros.With(v.Name, value ?? throw new InvalidOperationException($"{dashboard.File}: variable '{v.Name}' has no value on the seeded data (query: {v.Query})"));
        }

        return macros;
    }

    private async Task PostQueryAsync(string statement)
    {
        using var content = new FormUrlEncodedContent([new("q", statement)]);
        using var response = await Influx.PostAsync("/query", content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode || text.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"'{statement}' failed on {SiloFixture.InfluxUrl}: {(int)response.StatusCode} {text}");
        }
    }
}
