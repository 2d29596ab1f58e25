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

        await ScreenshotAsync(page, "incident");
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

        await ScreenshotAsync(page, "predictions");
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

        await ScreenshotAsync(page, "host");
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
