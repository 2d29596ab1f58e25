using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Aiops.UiTests;

/// <summary>The UI against an empty silo with token auth on: the 401 problem is shown, a token fixes it, empty states read well.</summary>
public sealed class AuthWebUiTests(AuthUiFixture ui) : IClassFixture<AuthUiFixture>
{
    [Fact]
    public async Task Overview_NoTokenThenReadToken_ShowsUnauthorizedThenEmptyStates()
    {
        var (page, errors) = await ui.NewPageAsync();
        await page.GotoAsync(ui.BaseUrl + "/#/");

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("A token with the read scope is required");
        await Expect(page.Locator("#view")).ToContainTextAsync("Incidents unavailable.");

        await page.GetByLabel("Token", new() { Exact = true }).FillAsync(AuthUiFixture.ReadToken);
        await page.GetByLabel("Token", new() { Exact = true }).PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        await Expect(page.Locator("#view")).ToContainTextAsync("No open incidents.");
        await Expect(page.Locator("#view")).ToContainTextAsync("No problems predicted in the next 24 h.");
        await Expect(page.Locator("#view")).ToContainTextAsync("No hosts at risk.");
        await page.ScreenshotAsync(new() { Path = Path.Combine(UiFixture.ScreenshotDirectory, "overview-empty.png"), FullPage = true });
        Assert.DoesNotContain(errors, e => !e.Contains("401", StringComparison.Ordinal)); // the browser logs the refused calls itself
    }

    [Fact]
    public async Task ReportsPage_DownloadWithoutThenWithToken_RefusedThenSaved()
    {
        var (page, errors) = await ui.NewPageAsync();
        await page.GotoAsync(ui.BaseUrl + "/#/reports");
        await Expect(page.Locator("#view")).ToHaveAttributeAsync("data-ready", "#/reports");
        await page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("format=csv"); // the download's own call, not the preview's
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("failed (401)");
        await Expect(page.Locator("#download-status")).ToBeEmptyAsync();

        // A plain link could not send the token; the fetched download does.
        await page.GetByLabel("Token", new() { Exact = true }).FillAsync(AuthUiFixture.ReadToken);
        await page.GetByLabel("Token", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToBeHiddenAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());

        var lines = await File.ReadAllLinesAsync(await download.PathAsync());
        Assert.StartsWith("prediction_id,entity,", lines[0], StringComparison.Ordinal);
        Assert.Single(lines); // an empty silo: the header row only
        Assert.DoesNotContain(errors, e => !e.Contains("401", StringComparison.Ordinal));
    }
}
