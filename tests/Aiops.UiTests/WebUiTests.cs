using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aiops.UiTests;

/// <summary>
/// The web UI at <c>/</c> in headless chromium against a seeded silo: what a problem manager sees and does. Each test
/// opens its own page and saves a screenshot under <see cref="UiFixture.ScreenshotDirectory"/>.
/// </summary>
public sealed class WebUiTests(UiFixture ui) : IClassFixture<UiFixture>
{
    [Fact]
    public async Task Overview_SeededIncidentAndLeak_ListsIncidentPredictionAndHostsAtRisk()
    {
        var (page, errors) = await OpenAsync("#/");

        var incidents = page.GetByRole(AriaRole.Table, new() { Name = "Open incidents" });
        var row = incidents.GetByRole(AriaRole.Row).Filter(new() { HasText = ui.IncidentId });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("sw1");
        await Expect(row.GetByRole(AriaRole.Cell).Nth(4)).ToHaveTextAsync("5"); // five member CIs

        var predictions = page.GetByRole(AriaRole.Table, new() { Name = "Predicted problems" });
        var leak = predictions.GetByRole(AriaRole.Row).Filter(new() { HasText = "leak-host" });
        await Expect(leak).ToContainTextAsync("mem.used_percent");
        await Expect(leak).ToContainTextAsync("%"); // the probability

        var atRisk = page.GetByRole(AriaRole.Table, new() { Name = "Hosts at risk" });
        await Expect(atRisk).ToContainTextAsync("leak-host");
        await Expect(atRisk).ToContainTextAsync($"in incident {ui.IncidentId}");

        await ScreenshotAsync(page, "overview");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_SeededIncident_ShowsRootCauseTimelineTicketAndMemberGraph()
    {
        var (page, errors) = await OpenAsync("#/");
        await page.GetByRole(AriaRole.Link, new() { Name = ui.IncidentId, Exact = true }).ClickAsync();
        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", $"#/incidents/{ui.IncidentId}");

        var ranking = page.GetByRole(AriaRole.Table, new() { Name = "Root-cause ranking" });
        var first = ranking.GetByRole(AriaRole.Row).Nth(1);
        await Expect(first.GetByRole(AriaRole.Cell).Nth(0)).ToHaveTextAsync("1");
        await Expect(first.GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("sw1");
        await Expect(first.GetByRole(AriaRole.Cell).Nth(5)).Not.ToBeEmptyAsync(); // the reason

        var timeline = page.GetByRole(AriaRole.List, new() { Name = "Timeline" });
        await Expect(timeline.GetByRole(AriaRole.Listitem).First).ToBeVisibleAsync();
        await Expect(page.Locator("#ticket")).ToBeVisibleAsync();

        // The graph holds the root and all five members, the root highlighted.
        var graph = page.GetByRole(AriaRole.Img, new() { Name = "Member CIs of the incident and their relations; root sw1" });
        foreach (var ci in new[] { "sw1", "h1", "h2", "h3", "h4", "h5" })
        {
            await Expect(graph.Locator($"g[data-ci='{ci}']")).ToHaveCountAsync(1);
        }

        await Expect(graph.Locator("rect.root")).ToHaveCountAsync(1);
        Assert.True(await graph.Locator("line.edge").CountAsync() >= 5, "an edge from each host to the switch");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_MemberSeries_DrawsOneChartPerMemberWithLineAndAnomalyMarkers()
    {
        var (page, errors) = await OpenAsync($"#/incidents/{ui.IncidentId}");

        // Each host's memory over the incident's span ± 30 min: the line (from InfluxDB) and its episode's marker.
        foreach (var ci in new[] { "h1", "h2", "h3", "h4", "h5" })
        {
            var chart = page.GetByRole(AriaRole.Img, new() { Name = $"Chart of {ci} mem.used_percent", Exact = true });
            await Expect(chart).ToHaveCountAsync(1);
            var d = await chart.Locator("path.line").GetAttributeAsync("d") ?? string.Empty;
            Assert.True(d.Split('L').Length >= 30, $"{ci}: a line through the half hour before the jump and the minutes after it: {d}");
            await Expect(chart.Locator(".anomaly.episode")).ToHaveCountAsync(1);
            Assert.True(await chart.Locator("text.tick.x").CountAsync() >= 3, "time ticks on the x axis");
        }

        // The chart's y axis spans the jump from ~45 % to ~80 %.
        var ticks = await page.GetByRole(AriaRole.Img, new() { Name = "Chart of h1 mem.used_percent", Exact = true }).Locator("text.tick.y").AllTextContentsAsync();
        var values = ticks.Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        Assert.True(values.Min() <= 45 && values.Max() >= 80, string.Join(", ", ticks));

        await ScreenshotAsync(page, "incident");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task PredictionsPage_TrendChartClicked_DrawsLineThresholdBandEtaIntervalAndMarkers()
    {
        var (page, errors) = await OpenAsync("#/predictions");
        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Chart of leak-host mem.used_percent" });

        await toggle.ClickAsync();

        var chart = page.GetByRole(AriaRole.Img, new() { Name = "Chart of leak-host mem.used_percent", Exact = true });
        await Expect(chart).ToHaveCountAsync(1);
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        Assert.StartsWith("M", await chart.Locator("path.line").GetAttributeAsync("d") ?? string.Empty, StringComparison.Ordinal);
        await Expect(chart.Locator("line.threshold")).ToHaveCountAsync(1);
        await Expect(chart.Locator("text.threshold-label")).ToHaveTextAsync("threshold 95");
        await Expect(chart.Locator("rect.eta-interval")).ToHaveCountAsync(1);
        await Expect(chart.Locator("line.eta")).ToHaveCountAsync(1);
        await Expect(chart.Locator("path.forecast-band")).ToHaveCountAsync(1);
        // The two seeded flagged scores, half a minute apart: one marker, or two when a bucket boundary falls between.
        Assert.InRange(await chart.Locator("circle.anomaly").CountAsync(), 1, 2);

        // The threshold line lies above the line's last point: the leak has not crossed yet.
        var thresholdY = double.Parse(await chart.Locator("line.threshold").GetAttributeAsync("y1") ?? "NaN", CultureInfo.InvariantCulture);
        var lastY = double.Parse((await chart.Locator("path.line").GetAttributeAsync("d"))!.Split(',')[^1], CultureInfo.InvariantCulture);
        Assert.True(thresholdY < lastY, $"threshold at y={thresholdY} drawn above the last value at y={lastY}");

        await ScreenshotAsync(page, "predictions");
        await toggle.ClickAsync();
        await Expect(chart).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task PredictionsPage_ChartIdInHash_OpensThatChartOnLoadAndNoOther()
    {
        var open = await ui.Http.GetFromJsonAsync<JsonElement>("/api/v1/predictions?state=open&ci=leak-host");
        var id = open[0].GetProperty("id").GetString()!;

        var (page, errors) = await OpenAsync($"#/predictions?chart={Uri.EscapeDataString(id)}");
        var chart = page.GetByRole(AriaRole.Img, new() { Name = "Chart of leak-host mem.used_percent", Exact = true });
        await Expect(chart).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Chart of leak-host mem.used_percent" })).ToHaveAttributeAsync("aria-expanded", "true");

        var (other, _) = await OpenAsync("#/predictions?chart=no-such-prediction");
        await Expect(other.Locator("tr.chart-row")).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task HostPage_SeriesChartClicked_DrawsTheLastSixHours()
    {
        var (page, errors) = await OpenAsync("#/hosts/leak-host");

        await page.GetByRole(AriaRole.Button, new() { Name = "Chart of leak-host mem.used_percent" }).ClickAsync();

        var chart = page.GetByRole(AriaRole.Img, new() { Name = "Chart of leak-host mem.used_percent", Exact = true });
        await Expect(chart).ToHaveCountAsync(1);
        var d = await chart.Locator("path.line").GetAttributeAsync("d") ?? string.Empty;
        Assert.True(d.Split('L').Length >= 300, $"six hours of minute samples, a point each: {d.Length} characters");
        await Expect(chart.Locator("text.axis-label")).ToHaveTextAsync("UTC");
        await ScreenshotAsync(page, "host");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_SeriesApiFails_ShowsProblemInEachChartBoxAndRestOfPage()
    {
        var (page, errors) = await ui.NewPageAsync();
        await page.RouteAsync("**/api/v1/series?**", route => route.FulfillAsync(new()
        {
            Status = 503,
            ContentType = "application/problem+json",
            Body = """{"title":"InfluxDB unavailable","status":503,"detail":"InfluxDB at http://127.0.0.1:1 cannot be reached"}""",
        }));
        await page.GotoAsync($"{ui.BaseUrl}/#/incidents/{ui.IncidentId}");

        var failures = page.Locator(".chart-box .chart-error");
        await Expect(failures).ToHaveCountAsync(5);
        await Expect(failures.First).ToContainTextAsync("InfluxDB at http://127.0.0.1:1 cannot be reached");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Root-cause ranking" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        Assert.DoesNotContain(errors, e => !e.Contains("503", StringComparison.Ordinal)); // the browser logs the refused call itself
    }

    [Fact]
    public async Task ChartModule_NoPointsAndNoForecast_ShowsEmptyStateInsteadOfChart()
    {
        var (page, errors) = await OpenAsync("#/");

        var text = await page.EvaluateAsync<string>("""
            async () => {
              const { seriesChart } = await import('/ui/chart.js');
              const el = seriesChart({ entity: 'h9', series: 'mem.used_percent', from: '2026-11-25T00:00:00Z', to: '2026-11-25T06:00:00Z',
                stepSeconds: 60, points: [], anomalies: [], episodes: [], forecast: [] });
              return `${el.tagName}|${el.textContent}`;
            }
            """);

        Assert.Equal("P|No data in InfluxDB for h9 mem.used_percent in this window.", text);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ChartModule_TicksLabelsAndGaps_RoundUtcTicksCompactValuesBrokenLines()
    {
        var (page, errors) = await OpenAsync("#/");

        var json = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const c = await import('/ui/chart.js');
              const from = Date.parse('2026-11-25T18:07:00Z'), to = Date.parse('2026-11-25T19:09:00Z');
              const minute = s => ({ t: s * 60000, v: 1 });
              return {
                values: c.niceTicks(43.2, 81.7).ticks,
                flat: c.niceTicks(5, 5).ticks,
                times: c.timeTicks(from, to).ticks.map(t => c.fmtTick(t, to - from)),
                days: c.timeTicks(from, from + 3 * 86400000).ticks.map(t => c.fmtTick(t, 3 * 86400000)).slice(0, 2),
                runs: c.segments([0, 1, 2, 3, 10, 11].map(minute), 10000).map(r => r.length),
                bytes: (t => t.ticks.map(v => c.fmtAxis(v, t.step, Math.max(Math.abs(t.min), Math.abs(t.max)))))(c.niceTicks(7.9e9, 8.0e9)),
                small: (t => t.ticks.map(v => c.fmtAxis(v, t.step, Math.max(Math.abs(t.min), Math.abs(t.max)))))(c.niceTicks(0, 12000)),
              };
            }
            """);

        Assert.Equal([40.0, 50, 60, 70, 80, 90], json.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        var flat = json.GetProperty("flat").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.True(flat.Min() < 5 && flat.Max() > 5, "a flat series still gets a range around its value");
        Assert.Equal(["18:10", "18:20", "18:30", "18:40", "18:50", "19:00"], json.GetProperty("times").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["11-26 00:00", "11-26 12:00"], json.GetProperty("days").EnumerateArray().Select(v => v.GetString()));
        // Bytes of memory fit the axis margin with one suffix per axis and enough decimals to tell ticks apart.
        Assert.Equal(["7.9G", "7.92G", "7.94G", "7.96G", "7.98G", "8G"], json.GetProperty("bytes").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["0", "5k", "10k", "15k"], json.GetProperty("small").EnumerateArray().Select(v => v.GetString()));
        // Minute samples in 10 s buckets are one line; the 7-minute hole breaks it.
        Assert.Equal([4, 2], json.GetProperty("runs").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_AcknowledgeClicked_StateChangesInPageAndApi()
    {
        var (page, errors) = await OpenAsync($"#/incidents/{ui.IncidentId}");
        await Expect(page.Locator("#incident-state")).ToHaveTextAsync("open");

        await page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();

        await Expect(page.Locator("#incident-state")).ToHaveTextAsync("acknowledged");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Timeline" })).ToContainTextAsync("web-ui");
        var incident = await ui.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{ui.IncidentId}");
        Assert.Equal("acknowledged", incident.GetProperty("state").GetString());
        Assert.Contains(incident.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "acknowledged" && t.GetProperty("by").GetString() == "web-ui");

        await ScreenshotAsync(page, "incident-acknowledged");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_CommentSubmitted_AppearsInTimelineAndApi()
    {
        var (page, errors) = await OpenAsync($"#/incidents/{ui.IncidentId}");
        var text = "switch port flapping " + Guid.NewGuid().ToString("N")[..6];

        await page.GetByLabel("Comment", new() { Exact = true }).FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add comment" }).ClickAsync();

        var entry = page.GetByRole(AriaRole.List, new() { Name = "Timeline" }).GetByRole(AriaRole.Listitem).Filter(new() { HasText = text });
        await Expect(entry).ToHaveCountAsync(1);
        await Expect(entry).ToContainTextAsync("comment");
        var incident = await ui.Http.GetFromJsonAsync<JsonElement>($"/api/v1/incidents/{ui.IncidentId}");
        Assert.Contains(incident.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "comment" && t.GetProperty("text").GetString() == text);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task IncidentPage_UnknownIncident_ShowsProblemDetail()
    {
        var (page, _) = await OpenAsync("#/incidents/INC-404404");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No incident 'INC-404404'.");
        await Expect(page.Locator("#view")).ToContainTextAsync("could not be loaded");
        await ScreenshotAsync(page, "error");
    }

    [Fact]
    public async Task PredictionsPage_Seeded_ShowsOpenPredictionAndScorecard()
    {
        var (page, errors) = await OpenAsync("#/predictions");

        var open = page.GetByRole(AriaRole.Table, new() { Name = "Open predictions" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "leak-host" });
        await Expect(open).ToHaveCountAsync(1);
        await Expect(open.GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("95"); // the threshold
        var scorecard = page.GetByRole(AriaRole.Table, new() { Name = "Prediction scorecard" });
        await Expect(scorecard.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("Overall");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task PredictionsPage_ReportLinkClicked_OpensReportsPage()
    {
        var (page, errors) = await OpenAsync("#/predictions");

        await page.GetByRole(AriaRole.Link, new() { Name = "predicted-incidents report" }).ClickAsync();

        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", "#/reports");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Reports", Exact = true })).ToHaveClassAsync("active");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ReportsPage_Seeded_PreviewListsPredictionAndSummaries()
    {
        var (page, errors) = await OpenAsync("#/reports");

        // The page's default window is the last 7 days; the JSON report over the same window is what it must show.
        var from = await page.Locator("#report-from").InputValueAsync();
        var to = await page.Locator("#report-to").InputValueAsync();
        Assert.Equal(TimeSpan.FromDays(7), DateTime.Parse(to, CultureInfo.InvariantCulture) - DateTime.Parse(from, CultureInfo.InvariantCulture));
        var report = await ui.Http.GetFromJsonAsync<JsonElement>($"/api/v1/reports/predicted-incidents?from={from}:00Z&to={to}:00Z");
        var leaks = report.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("entity").GetString() == "leak-host").ToList();
        Assert.Contains(leaks, r => r.GetProperty("state").GetString() == "open");

        // The ledger also keeps leak-host predictions withdrawn while the series was written: one row each.
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Report predictions" });
        var rows = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "leak-host" });
        await Expect(rows).ToHaveCountAsync(leaks.Count);
        var open = rows.Filter(new() { Has = page.GetByRole(AriaRole.Cell, new() { Name = "open", Exact = true }) });
        await Expect(open).ToHaveCountAsync(1);
        await Expect(open).ToContainTextAsync("mem.used_percent");
        await Expect(open.GetByRole(AriaRole.Cell).Nth(3)).ToHaveTextAsync("95"); // the threshold

        var leak = leaks[0];
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Summary by CI type" }).GetByRole(AriaRole.Row)
            .Filter(new() { HasText = leak.GetProperty("ciType").GetString() })).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Summary by metric" }).GetByRole(AriaRole.Row)
            .Filter(new() { HasText = leak.GetProperty("metric").GetString() })).ToHaveCountAsync(1);

        await ScreenshotAsync(page, "reports");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ReportsPage_FromAfterToPreviewed_ShowsProblemDetailAndKeepsWindow()
    {
        var (page, errors) = await OpenAsync("#/reports");

        await page.GetByLabel("From (UTC)").FillAsync("2026-11-25T00:00");
        await page.GetByLabel("To (UTC)").FillAsync("2026-11-20T00:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();

        // The window moved into the hash; the server's 400 names the problem and the form keeps what was typed.
        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", "#/reports?from=2026-11-25T00%3A00&to=2026-11-20T00%3A00");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("must be before to");
        await Expect(page.Locator("#view")).ToContainTextAsync("Report unavailable.");
        await Expect(page.GetByLabel("From (UTC)")).ToHaveValueAsync("2026-11-25T00:00");
        await Expect(page.GetByLabel("To (UTC)")).ToHaveValueAsync("2026-11-20T00:00");
        Assert.DoesNotContain(errors, e => !e.Contains("400", StringComparison.Ordinal)); // the browser logs the refused call itself
    }

    [Theory]
    [InlineData("HTML", ".html")]
    [InlineData("CSV", ".csv")]
    [InlineData("JSON", ".json")]
    [InlineData("Markdown", ".md")]
    public async Task ReportsPage_DownloadClicked_SavesFileInItsFormat(string label, string extension)
    {
        var (page, errors) = await OpenAsync("#/reports");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = $"Download {label}" }).ClickAsync());

        Assert.EndsWith(extension, download.SuggestedFilename, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(await download.PathAsync()); // drops the CSV's UTF-8 byte order mark
        Assert.Contains("leak-host", text, StringComparison.Ordinal);
        switch (extension)
        {
            case ".csv":
                Assert.StartsWith("prediction_id,entity,ci_type,series,metric,threshold,", text.Split("\r\n")[0], StringComparison.Ordinal);
                Assert.Contains(text.Split("\r\n").Skip(1), l => l.Contains(",leak-host,", StringComparison.Ordinal));
                break;
            case ".html":
                Assert.Contains("<table", text, StringComparison.OrdinalIgnoreCase);
                break;
            case ".json":
                using (var json = JsonDocument.Parse(text))
                {
                    Assert.Contains(json.RootElement.GetProperty("rows").EnumerateArray(), r => r.GetProperty("entity").GetString() == "leak-host");
                }

                break;
            default:
                Assert.Contains(text.Split('\n'), l => l.StartsWith('|') && l.Contains("leak-host", StringComparison.Ordinal));
                break;
        }

        await Expect(page.Locator("#download-status")).ToContainTextAsync($"Saved {download.SuggestedFilename}.");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task HostsPages_Seeded_ListHostsAndLatestSeriesValues()
    {
        var (page, errors) = await OpenAsync("#/hosts");
        await page.GetByRole(AriaRole.Link, new() { Name = "leak-host", Exact = true }).ClickAsync();

        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", "#/hosts/leak-host");
        var series = page.GetByRole(AriaRole.Table, new() { Name = "Series" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "mem.used_percent" });
        await Expect(series).ToHaveCountAsync(1);
        var host = await ui.Http.GetFromJsonAsync<JsonElement>("/api/v1/hosts/leak-host");
        var latest = host.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("series").GetString() == "mem.used_percent").GetProperty("value").GetDouble();
        await Expect(series.GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync(FormatLikeUi(latest));
        Assert.Empty(errors);
    }

    [Fact]
    public async Task CmdbPages_TypeFilterAndCi_ShowFilteredListAndImpact()
    {
        var (page, errors) = await OpenAsync("#/cmdb");
        await page.GetByLabel("Type").SelectOptionAsync("network-switch");

        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", "#/cmdb?type=network-switch");
        var rows = page.GetByRole(AriaRole.Table, new() { Name = "Configuration items" }).GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(2); // header and sw1
        await ScreenshotAsync(page, "cmdb");

        await page.GetByRole(AriaRole.Link, new() { Name = "sw1", Exact = true }).ClickAsync();
        var impact = page.GetByRole(AriaRole.Table, new() { Name = "Impact" });
        foreach (var ci in new[] { "h1", "h5", "svc-a", "svc-b", "app" })
        {
            await Expect(impact.GetByRole(AriaRole.Link, new() { Name = ci, Exact = true })).ToHaveCountAsync(1);
        }

        await Expect(impact.GetByRole(AriaRole.Link, new() { Name = "leak-host", Exact = true })).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "ci");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task CmdbPage_TypeWithoutCis_ShowsEmptyState()
    {
        var (page, errors) = await OpenAsync("#/cmdb?type=router");

        await Expect(page.Locator("#view")).ToContainTextAsync("No CI of this type.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Configuration items" })).ToHaveCountAsync(0);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ChangesPage_FormSubmitted_WindowListedAndUnknownCiShowsProblemDetail()
    {
        var (page, errors) = await OpenAsync("#/changes");
        var description = "CHG" + Guid.NewGuid().ToString("N")[..6] + " firmware upgrade";
        await page.GetByLabel("CI", new() { Exact = true }).FillAsync("app");
        await page.GetByLabel("Kind").SelectOptionAsync("change");
        await page.GetByLabel("Start (UTC)").FillAsync("2030-01-02T03:00");
        await page.GetByLabel("End (UTC)").FillAsync("2030-01-02T05:30");
        await page.GetByLabel("Description").FillAsync(description);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add window" }).ClickAsync();

        var row = page.GetByRole(AriaRole.Table, new() { Name = "Change windows" }).GetByRole(AriaRole.Row).Filter(new() { HasText = description });
        await Expect(row).ToContainTextAsync("2030-01-02 03:00 UTC");
        await Expect(row).ToContainTextAsync("2030-01-02 05:30 UTC");
        var windows = await ui.Http.GetFromJsonAsync<JsonElement>("/api/v1/changes");
        Assert.Contains(windows.EnumerateArray(), w => w.GetProperty("description").GetString() == description && w.GetProperty("kind").GetString() == "change" && w.GetProperty("ci").GetString() == "app");
        await ScreenshotAsync(page, "changes");

        // The page re-rendered with an empty form: fill it again, now with a CI the CMDB does not know.
        await page.GetByLabel("CI", new() { Exact = true }).FillAsync("no-such-ci");
        await page.GetByLabel("Start (UTC)").FillAsync("2030-01-02T03:00");
        await page.GetByLabel("End (UTC)").FillAsync("2030-01-02T05:30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add window" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("CI 'no-such-ci' is not in the CMDB.");
        Assert.DoesNotContain(errors, e => !e.Contains("400", StringComparison.Ordinal)); // the browser logs the failed POST itself
    }

    [Fact]
    public async Task UiFiles_IndexAndUnknownFile_ServedOr404()
    {
        using var index = await ui.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/ui/app.js", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var missing = await ui.Http.GetAsync("/ui/nope.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>Opens <paramref name="hash"/> and waits until that route has rendered.</summary>
    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string hash)
    {
        var (page, errors) = await ui.NewPageAsync();
        await page.GotoAsync(ui.BaseUrl + "/" + hash);
        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", hash);
        return (page, errors);
    }

    private static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>The UI's fmtNum(v, 3): three decimals, trailing zeros dropped.</summary>
    private static string FormatLikeUi(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
