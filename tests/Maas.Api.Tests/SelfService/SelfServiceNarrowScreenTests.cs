using Maas.Testing;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>The page on a phone (390 px wide): no screen scrolls sideways; wide tables and examples scroll in their own box.</summary>
public sealed class SelfServiceNarrowScreenTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string AdminGroup = "maas-admins";

    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    [Fact]
    public async Task At_390_px_no_screen_scrolls_the_page_sideways_and_every_screen_passes_axe()
    {
        await using var server = await MaasApiServer.StartAsync(configure: builder => builder.Configuration["Maas:Admins:Groups:0"] = AdminGroup);
        using (var bob = server.CreateClient("bob", "system:authenticated"))
        {
            await ApiKeyRequests.CreateAsync(bob, """{"name":"a-rather-long-key-name-for-the-nightly-batch-jobs","description":"Runs every night on the cluster","labels":{"team":"ml"}}""");
        }

        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = Phone,
            ExtraHTTPHeaders = Identity("root", "system:authenticated", AdminGroup),
        });
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/keys");
        await AssertFitsAsync(page, "empty list");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("a-rather-long-key-name-for-the-laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#snippet-curl")).ToBeVisibleAsync();
        await AssertFitsAsync(page, "key created with its examples");

        // The examples and the keys table are wider than the phone: they scroll inside their own box.
        Assert.True(await page.Locator("#snippet-curl").EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto'"));
        await page.GotoAsync("/keys");
        await AssertFitsAsync(page, "list with a key and usage");
        Assert.True(await page.Locator("#keys").EvaluateAsync<bool>("t => t.parentElement.scrollWidth > t.parentElement.clientWidth && getComputedStyle(t.parentElement).overflowX === 'auto'"));
        Assert.Equal("auto", await page.Locator("#usage").EvaluateAsync<string>("t => getComputedStyle(t.parentElement).overflowX"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate “a-rather-long-key-name-for-the-laptop”" }).ClickAsync();
        await AssertFitsAsync(page, "rotate confirmation");

        await page.GotoAsync("/keys");
        await page.GetByLabel("Search the keys of (username)").FillAsync("bob");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search keys" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Search keys");
        await AssertFitsAsync(page, "search");

        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Read the audit trail" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Audit trail");
        await AssertFitsAsync(page, "audit trail");

        // The plain browser's screens: 401 and the development sign-in.
        await using var anonymous = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString(), ViewportSize = Phone });
        var signIn = await anonymous.NewPageAsync();
        await signIn.GotoAsync("/keys");
        await AssertFitsAsync(signIn, "not signed in");
        await signIn.GotoAsync("/keys/sign-in");
        await AssertFitsAsync(signIn, "development sign-in");

        watch.AssertClean();
    }

    internal static async Task AssertFitsAsync(IPage page, string screen)
    {
        var (scrollWidth, viewport) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("() => window.innerWidth"));
        if (scrollWidth > viewport)
        {
            // Name the elements that stick out of the page (not out of a box that scrolls), to say what to fix.
            var outermost = await page.EvaluateAsync<string[]>("""
                () => [...document.body.querySelectorAll("*")]
                  .filter(e => {
                    if (e.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
                    // Clipped by a box that scrolls, unless absolutely positioned against something outside it.
                    let positioned = getComputedStyle(e).position !== "absolute";
                    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                      const style = getComputedStyle(a);
                      if (style.overflowX !== "visible" && positioned) return false;
                      positioned ||= style.position !== "static";
                    }
                    return true;
                  })
                  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") + " " + Math.round(e.getBoundingClientRect().width) + "px")
                """);
            Assert.Fail($"the {screen} screen is {scrollWidth} px wide on a {viewport} px screen: " + string.Join(", ", outermost));
        }

        await AssertAccessibleAsync(page, screen + " at 390 px");
    }
}
