using System.Text.Json;
using Aiops.IntegrationTests.Dashboards;

namespace Aiops.IntegrationTests;

/// <summary>
/// Every dashboard under <c>dashboards/json</c>: structure (title, unique uid, schemaVersion, datasource, raw InfluxQL)
/// and every panel, template-variable and annotation query run, macros expanded, against a real InfluxDB seeded with
/// raw Telegraf points and the aiops_* series; each must succeed and return data.
/// </summary>
public sealed class DashboardTests(DashboardInfluxFixture influx) : IClassFixture<DashboardInfluxFixture>
{
    private static readonly Lazy<IReadOnlyList<GrafanaDashboard>> All = new(() => GrafanaDashboard.LoadAll());

    /// <summary>One case per query: file name and JSON path (strings, so each case is listed and re-runnable on its own).</summary>
    public static TheoryData<string, string> AllQueries()
    {
        var data = new TheoryData<string, string>();
        foreach (var d in All.Value)
        {
            foreach (var q in d.Queries())
            {
                data.Add(d.File, q.Path);
            }
        }

        return data;
    }

    [Fact]
    public void LoadAll_RepositoryDashboards_AreStructurallyValidWithUniqueUids()
    {
        var problems = All.Value.SelectMany(d => d.Validate()).ToList();
        foreach (var dup in All.Value.GroupBy(d => d.Uid).Where(g => g.Count() > 1))
        {
            problems.Add($"uid '{dup.Key}' used by {string.Join(", ", dup.Select(d => d.File))}");
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void LoadAll_RepositoryDashboards_IncludeHostPredictionsAndIncidents()
    {
        Assert.Equal(
            ["Host overview", "Incidents", "Predicted problems"],
            All.Value.Select(d => d.Title).Order(StringComparer.Ordinal).ToArray());
        Assert.All(All.Value, d => Assert.NotEmpty(d.Queries()));
        Assert.Contains(Dashboard("aiops-incidents").Queries(), q => q.Kind == DashboardQueryKind.Annotation);
        Assert.Contains(Dashboard("aiops-host-overview").Queries(), q => q.Kind == DashboardQueryKind.Variable);
    }

    [Theory]
    [MemberData(nameof(AllQueries))]
    public async Task Query_AgainstSeededInflux_SucceedsWithRows(string file, string path)
    {
        var dashboard = All.Value.Single(d => d.File == file);
        var query = dashboard.Queries().Single(q => q.Path == path);
        var expanded = (await influx.MacrosAsync(dashboard)).Expand(query.Query);

        var rows = await influx.RowsAsync(expanded);

        Assert.True(rows.Count > 0, $"{file}: {path} ({query.Kind} '{query.Name}') returned no data for: {expanded}");
    }

    [Fact]
    public async Task OpenPredictionsTable_WithdrawnPrediction_IsLeftOut()
    {
        var rows = await RunPanelAsync("aiops-predicted-problems", "Open predictions", "table");

        Assert.Equal(
            DashboardSeed.OpenPredictionIds.Order(StringComparer.Ordinal).ToArray(),
            rows.Select(r => r["id"].GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.DoesNotContain(rows, r => r["id"].GetString() == DashboardSeed.WithdrawnPredictionId);

        // The updated prediction shows its last ETA (5400 s), not the first one (7200 s).
        Assert.Equal(5400, rows.Single(r => r["id"].GetString() == DashboardSeed.OpenPredictionIds[0])["eta_s"].GetDouble());
    }

    [Fact]
    public async Task OpenPredictionsStat_SeededPredictions_CountsOnlyOpenOnes()
    {
        var rows = await RunPanelAsync("aiops-predicted-problems", "Open predictions", "stat");

        Assert.Equal(DashboardSeed.OpenPredictionIds.Length, Assert.Single(rows)["open"].GetInt32());
    }

    [Fact]
    public async Task IncidentsTable_StateChanges_ShowLatestStatePerIncident()
    {
        var rows = await RunPanelAsync("aiops-incidents", "Incidents", "table");

        Assert.Equal(
            DashboardSeed.IncidentStates.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToArray(),
            rows.Select(r => $"{r["incident"].GetString()}={r["state"].GetString()}").Order(StringComparer.Ordinal).ToArray());
        var first = rows.Single(r => r["incident"].GetString() == "inc-1");
        Assert.Equal("critical", first["severity"].GetString());
        Assert.Equal(3, first["anomalies"].GetInt32());
    }

    [Fact]
    public async Task OpenIncidentsStat_OneAcknowledgedOneResolved_CountsOne()
    {
        var rows = await RunPanelAsync("aiops-incidents", "Open or acknowledged incidents", "stat");

        Assert.Equal(DashboardSeed.IncidentStates.Values.Count(s => s is "open" or "acknowledged"), Assert.Single(rows)["open"].GetInt32());
    }

    [Fact]
    public async Task MemoryPanel_HostVariable_ReturnsOnlySelectedHost()
    {
        var rows = await RunPanelAsync("aiops-host-overview", "Memory used", "timeseries");

        // The variable resolves to the first host in sort order; the regex /^$host$/ must not also match dash-host-10, which it prefixes.
        Assert.All(rows, r => Assert.Equal(DashboardSeed.Hosts[0], r["host"].GetString()));
        Assert.Equal(DashboardSeed.Minutes, rows.Count);
    }

    [Fact]
    public async Task AnomalousPointsTable_FlaggedPoints_ReturnsOnlyAnomalies()
    {
        var rows = await RunPanelAsync("aiops-host-overview", "Latest anomalies", "table");

        Assert.Equal(5, rows.Count);
        Assert.All(rows, r => Assert.Equal("mem.used_percent", r["series"].GetString()));
    }

    private static GrafanaDashboard Dashboard(string uid) => All.Value.Single(d => d.Uid == uid);

    /// <summary>Runs the single target of the panel with this title and type (titles may repeat across types).</summary>
    private async Task<List<Dictionary<string, JsonElement>>> RunPanelAsync(string uid, string title, string type)
    {
        var dashboard = Dashboard(uid);
        var (path, _) = dashboard.Panels().Single(p =>
            p.Panel.GetProperty("title").GetString() == title && p.Panel.GetProperty("type").GetString() == type);
        var query = dashboard.Queries().Single(q => q.Kind == DashboardQueryKind.Panel && q.Path.StartsWith(path + ".targets[", StringComparison.Ordinal));
        return await influx.RowsAsync((await influx.MacrosAsync(dashboard)).Expand(query.Query));
    }
}
