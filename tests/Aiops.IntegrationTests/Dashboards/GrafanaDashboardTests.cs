namespace Aiops.IntegrationTests.Dashboards;

/// <summary>Parsing, structural checks and macro expansion, without InfluxDB.</summary>
public sealed class GrafanaDashboardTests
{
    private static readonly DateTimeOffset From = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    [Fact]
    public void Parse_BrokenJson_NamesFileLineAndColumn()
    {
        var e = Assert.Throws<FormatException>(() => GrafanaDashboard.Parse("bad.json", "{\n  \"title\": \"x\",\n  \"uid\": oops\n}"));

        Assert.StartsWith("bad.json: line 3, column 10:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LegacyGraphPanelOnOtherDatasource_ReportsEachProblemWithPath()
    {
        var d = GrafanaDashboard.Parse("legacy.json", """
            { "title": "Legacy", "uid": "legacy", "schemaVersion": 27,
              "panels": [ { "id": 1, "type": "graph", "title": "Old", "gridPos": {},
                            "datasource": { "type": "prometheus", "uid": "prom" },
                            "targets": [ { "refId": "A", "query": "SELECT 1" } ] } ] }
            """);

        var problems = d.Validate();

        Assert.Contains("legacy.json: schemaVersion: must be a number >= 39", problems);
        Assert.Contains(problems, p => p.StartsWith("legacy.json: panels[0]: panel type 'graph'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("legacy.json: panels[0]: datasource is", StringComparison.Ordinal));
        Assert.Contains("legacy.json: panels[0].targets[0]: rawQuery must be true (raw InfluxQL only)", problems);
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void Queries_CollapsedRowAndAnnotation_AreAllListed()
    {
        var d = GrafanaDashboard.Parse("rows.json", """
            { "title": "Rows", "uid": "rows", "schemaVersion": 39,
              "annotations": { "list": [ { "builtIn": 1, "name": "Annotations & Alerts" },
                                         { "name": "Deploys", "target": { "query": "SELECT text FROM deploys WHERE $timeFilter" } } ] },
              "templating": { "list": [ { "name": "host", "type": "query", "query": { "query": "SHOW TAG VALUES WITH KEY = \"host\"" } } ] },
              "panels": [ { "id": 1, "type": "row", "title": "R", "collapsed": true, "gridPos": {},
                            "panels": [ { "id": 2, "type": "stat", "title": "S", "gridPos": {}, "targets": [ { "refId": "A", "query": "SELECT 1" } ] } ] } ] }
            """);

        Assert.Equal(
            ["panels[0].panels[0].targets[0]", "templating.list[0]", "annotations.list[1]"],
            d.Queries().Select(q => q.Path).ToArray());
    }

    [Fact]
    public void Expand_TimeFilterAndInterval_AbsoluteMillisecondsAndDuration()
    {
        var macros = new GrafanaMacros(From, From.AddHours(1), TimeSpan.FromSeconds(30));

        var q = macros.Expand("SELECT mean(\"x\") FROM \"m\" WHERE $timeFilter GROUP BY time($__interval) LIMIT $__interval_ms");

        Assert.Equal("SELECT mean(\"x\") FROM \"m\" WHERE time >= 1700000000000ms and time <= 1700003600000ms GROUP BY time(30s) LIMIT 30000", q);
    }

    [Theory]
    [InlineData("WHERE \"host\" =~ /^$host$/", "WHERE \"host\" =~ /^web\\.1$/")]
    [InlineData("WHERE \"host\" !~ /^${host}$/", "WHERE \"host\" !~ /^web\\.1$/")]
    [InlineData("WHERE \"host\" = '$host'", "WHERE \"host\" = 'web.1'")]
    [InlineData("WHERE \"host\" = '[[host]]'", "WHERE \"host\" = 'web.1'")]
    [InlineData("WHERE \"host\" =~ /${host:regex}/ AND \"cpu\" = '$cpu'", "WHERE \"host\" =~ /web\\.1/ AND \"cpu\" = 'cpu-total'")]
    public void Expand_VariableForms_RegexEscapedOnlyInRegexLiterals(string query, string expected)
    {
        var macros = new GrafanaMacros(From, From.AddHours(1)).With("host", "web.1").With("cpu", "cpu-total");

        Assert.Equal(expected, macros.Expand(query));
    }

    [Fact]
    public void Expand_UnknownVariable_ThrowsNamingIt()
    {
        var macros = new GrafanaMacros(From, From.AddHours(1)).With("host", "a");

        var e = Assert.Throws<InvalidOperationException>(() => macros.Expand("SELECT x FROM m WHERE \"host\" =~ /^$hots$/"));

        Assert.Contains("'$hots'", e.Message, StringComparison.Ordinal);
    }
}
