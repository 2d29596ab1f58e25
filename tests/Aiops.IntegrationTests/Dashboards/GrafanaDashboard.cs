using System.Text.Json;

namespace Aiops.IntegrationTests.Dashboards;

/// <summary>Where a query sits in a dashboard: a panel target, a template variable or an annotation.</summary>
public enum DashboardQueryKind
{
    /// <summary>A panel's target (<c>panels[i].targets[j].query</c>).</summary>
    Panel,

    /// <summary>A query template variable (<c>templating.list[i].query</c>).</summary>
    Variable,

    /// <summary>An annotation query (<c>annotations.list[i].query</c> or <c>.target.query</c>).</summary>
    Annotation,
}

/// <summary>One raw InfluxQL query of a dashboard, with the JSON path it came from (for error messages).</summary>
/// <param name="Kind">Panel target, variable or annotation.</param>
/// <param name="Name">Panel title + refId, variable name or annotation name.</param>
/// <param name="Path">JSON path in the file, e.g. <c>panels[2].targets[0]</c>.</param>
/// <param name="Query">The raw InfluxQL as stored, macros not expanded.</param>
public sealed record DashboardQuery(DashboardQueryKind Kind, string Name, string Path, string Query);

/// <summary>A template variable of a dashboard, in declaration order (a variable may use the ones before it).</summary>
/// <param name="Name">Variable name without <c>$</c>.</param>
/// <param name="Type">Grafana variable type (<c>query</c>, <c>custom</c>, <c>constant</c>, ...).</param>
/// <param name="Query">Its query (InfluxQL for <c>query</c>, comma list for <c>custom</c>).</param>
public sealed record DashboardVariable(string Name, string Type, string Query);

/// <summary>
/// A Grafana dashboard JSON file, read for what the tests need: its identity, its raw InfluxQL queries (panel targets,
/// nested row panels included, template variables, annotations) and a structural check against the conventions of
/// this repository (schemaVersion 39+, datasource <c>aiops-influxdb</c>, raw InfluxQL only).
/// </summary>
public sealed class GrafanaDashboard
{
    /// <summary>Datasource uid every panel, variable and annotation must use (dashboards/provisioning/datasources).</summary>
    public const string DatasourceUid = "aiops-influxdb";

    /// <summary>Lowest accepted <c>schemaVersion</c> (Grafana 10.x writes 38/39; 39 brings the current panel options).</summary>
    public const int MinSchemaVersion = 39;

    /// <summary>Panel types allowed; the deprecated Angular ones (graph, singlestat, table-old) are not.</summary>
    public static readonly IReadOnlySet<string> PanelTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "timeseries", "table", "stat", "gauge", "bargauge", "barchart", "text", "row",
    };

    private GrafanaDashboard(string file, JsonElement root)
    {
        File = file;
        Root = root;
    }

    /// <summary>File name (no directory), used in every message.</summary>
    public string File { get; }

    /// <summary>The parsed JSON (a clone, valid for the lifetime of this object).</summary>
    public JsonElement Root { get; }

    /// <summary>The dashboard's <c>uid</c>, or an empty string when missing.</summary>
    public string Uid => Str(Root, "uid") ?? string.Empty;

    /// <summary>The dashboard's <c>title</c>, or an empty string when missing.</summary>
    public string Title => Str(Root, "title") ?? string.Empty;

    /// <summary>The repository's <c>dashboards/json</c>, found by walking up from the test assembly to <c>Aiops.sln</c>.</summary>
    public static string JsonDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Aiops.sln")))
            {
                return Path.Combine(dir.FullName, "dashboards", "json");
            }
        }

        throw new DirectoryNotFoundException($"no Aiops.sln above {AppContext.BaseDirectory}: cannot find dashboards/json");
    }

    /// <summary>Every <c>*.json</c> under <paramref name="directory"/> (default <see cref="JsonDirectory"/>), sorted by name.</summary>
    public static IReadOnlyList<GrafanaDashboard> LoadAll(string? directory = null)
    {
        directory ??= JsonDirectory();
        return Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .ToList();
    }

    /// <summary>Parses one file; a syntax error names the file, line and column.</summary>
    public static GrafanaDashboard Load(string path) => Parse(Path.GetFileName(path), System.IO.File.ReadAllText(path));

    /// <summary>Parses dashboard JSON text; <paramref name="file"/> only names it in errors.</summary>
    public static GrafanaDashboard Parse(string file, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return new GrafanaDashboard(file, doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            // JsonException positions are 0-based; editors count from 1.
            throw new FormatException($"{file}: line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>Panels in layout order, nested panels of collapsed rows included, each with its JSON path.</summary>
    public IEnumerable<(string Path, JsonElement Panel)> Panels()
    {
        if (!Root.TryGetProperty("panels", out var panels) || panels.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        var i = 0;
        foreach (var panel in panels.EnumerateArray())
        {
            var path = $"panels[{i++}]";
            yield return (path, panel);
            if (panel.TryGetProperty("panels", out var nested) && nested.ValueKind == JsonValueKind.Array)
            {
                var j = 0;
                foreach (var child in nested.EnumerateArray())
                {
                    yield return ($"{path}.panels[{j++}]", child);
                }
            }
        }
    }

    /// <summary>Template variables in declaration order.</summary>
    public IReadOnlyList<DashboardVariable> Variables() =>
        Items(Root, "templating").Select(v => new DashboardVariable(
            Str(v.Item, "name") ?? string.Empty,
            Str(v.Item, "type") ?? string.Empty,
            QueryText(v.Item) ?? string.Empty)).ToList();

    /// <summary>Every InfluxQL query: panel targets, query variables and non-built-in annotations.</summary>
    public IReadOnlyList<DashboardQuery> Queries()
    {
        var queries = new List<DashboardQuery>();
        foreach (var (path, panel) in Panels())
        {
            if (!panel.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var j = 0;
            foreach (var target in targets.EnumerateArray())
            {
                queries.Add(new DashboardQuery(DashboardQueryKind.Panel, $"{Str(panel, "title")} ({Str(target, "refId")})", $"{path}.targets[{j++}]", Str(target, "query") ?? string.Empty));
            }
        }

        foreach (var (i, v) in Items(Root, "templating"))
        {
            if (Str(v, "type") == "query")
            {
                queries.Add(new DashboardQuery(DashboardQueryKind.Variable, Str(v, "name") ?? string.Empty, $"templating.list[{i}]", QueryText(v) ?? string.Empty));
            }
        }

        foreach (var (i, a) in Items(Root, "annotations"))
        {
            if (!IsBuiltIn(a))
            {
                queries.Add(new DashboardQuery(DashboardQueryKind.Annotation, Str(a, "name") ?? string.Empty, $"annotations.list[{i}]", QueryText(a) ?? string.Empty));
            }
        }

        return queries;
    }

    /// <summary>
    /// Structural problems of this dashboard, each prefixed with the file and JSON path; empty when it is sound.
    /// Uid uniqueness across files is the caller's check (it needs all files).
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Problem(string path, string message) => problems.Add($"{File}: {path}: {message}");

        if (string.IsNullOrWhiteSpace(Title))
        {
            Problem("title", "missing or empty");
        }

        if (string.IsNullOrWhiteSpace(Uid) || Uid.Length > 40)
        {
            Problem("uid", "missing, empty or longer than 40 characters (Grafana's limit)");
        }

        if (!Root.TryGetProperty("schemaVersion", out var schema) || schema.ValueKind != JsonValueKind.Number || schema.GetInt32() < MinSchemaVersion)
        {
            Problem("schemaVersion", $"must be a number >= {MinSchemaVersion}");
        }

        var ids = new HashSet<int>();
        var panelCount = 0;
        foreach (var (path, panel) in Panels())
        {
            panelCount++;
            var type = Str(panel, "type");
            if (type is null || !PanelTypes.Contains(type))
            {
                Problem(path, $"panel type '{type}' is not one of {string.Join(", ", PanelTypes)}");
            }

            if (!panel.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !ids.Add(id.GetInt32()))
            {
                Problem(path, "panel id missing or not unique in the dashboard");
            }

            if (string.IsNullOrWhiteSpace(Str(panel, "title")))
            {
                Problem(path, "panel title missing");
            }

            if (!panel.TryGetProperty("gridPos", out _))
            {
                Problem(path, "gridPos missing");
            }

            if (type is "row" or "text")
            {
                continue;
            }

            CheckDatasource(panel, path, required: true, Problem);
            if (!panel.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Array || targets.GetArrayLength() == 0)
            {
                Problem(path, "no targets");
                continue;
            }

            var refIds = new HashSet<string>(StringComparer.Ordinal);
            var j = 0;
            foreach (var target in targets.EnumerateArray())
            {
                var tpath = $"{path}.targets[{j++}]";
                CheckDatasource(target, tpath, required: false, Problem);
                if (!refIds.Add(Str(target, "refId") ?? string.Empty))
                {
                    Problem(tpath, "refId missing or repeated in the panel");
                }

                if (!target.TryGetProperty("rawQuery", out var raw) || raw.ValueKind != JsonValueKind.True)
                {
                    Problem(tpath, "rawQuery must be true (raw InfluxQL only)");
                }

                if (string.IsNullOrWhiteSpace(Str(target, "query")))
                {
                    Problem(tpath, "query missing or empty");
                }
            }
        }

        if (panelCount == 0)
        {
            Problem("panels", "no panels");
        }

        foreach (var (i, v) in Items(Root, "templating"))
        {
            var path = $"templating.list[{i}]";
            if (string.IsNullOrWhiteSpace(Str(v, "name")))
            {
                Problem(path, "variable name missing");
            }

            if (Str(v, "type") == "query")
            {
                CheckDatasource(v, path, required: true, Problem);
                if (string.IsNullOrWhiteSpace(QueryText(v)))
                {
                    Problem(path, "query variable without a query");
                }
            }
        }

        foreach (var (i, a) in Items(Root, "annotations"))
        {
            var path = $"annotations.list[{i}]";
            if (IsBuiltIn(a))
            {
                continue;
            }

            CheckDatasource(a, path, required: true, Problem);
            if (string.IsNullOrWhiteSpace(QueryText(a)))
            {
                Problem(path, "annotation without a query");
            }
        }

        return problems;
    }

    private static void CheckDatasource(JsonElement owner, string path, bool required, Action<string, string> problem)
    {
        if (!owner.TryGetProperty("datasource", out var ds))
        {
            if (required)
            {
                problem(path, $"datasource missing (want {{\"type\": \"influxdb\", \"uid\": \"{DatasourceUid}\"}})");
            }

            return;
        }

        if (ds.ValueKind != JsonValueKind.Object || Str(ds, "uid") != DatasourceUid || Str(ds, "type") != "influxdb")
        {
            problem(path, $"datasource is {ds.GetRawText()}, want {{\"type\": \"influxdb\", \"uid\": \"{DatasourceUid}\"}}");
        }
    }

    private static bool IsBuiltIn(JsonElement annotation) =>
        annotation.TryGetProperty("builtIn", out var b) && b.ValueKind == JsonValueKind.Number && b.GetInt32() == 1;

    /// <summary>
    /// A variable's or annotation's query: a string <c>query</c>, or <c>query.query</c> (newer variable editor), or
    /// <c>target.query</c> (newer annotation editor).
    /// </summary>
    private static string? QueryText(JsonElement e)
    {
        if (e.TryGetProperty("query", out var q))
        {
            if (q.ValueKind == JsonValueKind.String)
            {
                return q.GetString();
            }

            if (q.ValueKind == JsonValueKind.Object)
            {
                return Str(q, "query");
            }
        }

        return e.TryGetProperty("target", out var t) && t.ValueKind == JsonValueKind.Object ? Str(t, "query") : null;
    }

    private static IEnumerable<(int Index, JsonElement Item)> Items(JsonElement root, string section)
    {
        if (root.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object &&
            s.TryGetProperty("list", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in list.EnumerateArray())
            {
                yield return (i++, item);
            }
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
