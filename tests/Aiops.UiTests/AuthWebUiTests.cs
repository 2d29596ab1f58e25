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
}
