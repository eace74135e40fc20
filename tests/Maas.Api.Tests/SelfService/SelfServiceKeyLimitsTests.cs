using System.Text.Json;
using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// The create form's limit fields walked in headless Chromium with the keyboard alone: a limit above
/// the tier is refused beside its field (axe clean), corrected, and the key made shows its limits.
/// </summary>
public sealed class SelfServiceKeyLimitsTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    [Fact]
    public async Task A_person_sets_a_keys_own_limits_with_the_keyboard_is_refused_above_the_tier_beside_the_field_then_creates_it()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var screenshots = new Screenshots();
        await using var context = await SelfServicePageTests.NewContextAsync(chromium.Browser, server, "bob", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        var requests = page.GetByLabel("Requests per 2 minutes", new() { Exact = true });
        Assert.Equal("At most your tier's 5.", await page.Locator("#" + await requests.GetAttributeAsync("aria-describedby")).TextContentAsync());

        // The free tier allows 5 requests per 2 minutes: 9 is above it.
        await TypeIntoAsync(page, page.GetByLabel("Name", new() { Exact = true }), "ci runner");
        await TypeIntoAsync(page, requests, "9");
        await TypeIntoAsync(page, page.GetByLabel("Period", new() { Exact = true }), "m");
        Assert.Equal("month", await page.GetByLabel("Period", new() { Exact = true }).InputValueAsync());
        await TypeIntoAsync(page, page.GetByLabel("LLM tokens per period", new() { Exact = true }), "500");
        var refused = await page.RunAndWaitForResponseAsync(() => page.Keyboard.PressAsync("Enter"), r => r.Request.Method == "POST");

        Assert.Equal(400, refused.Status);
        var field = page.Locator(".field", new() { Has = page.Locator("#create-limit-requests") });
        await Assertions.Expect(field.GetByRole(AriaRole.Alert)).ToContainTextAsync("limits.requests");
        Assert.Equal(1, await page.GetByRole(AriaRole.Alert).CountAsync());
        Assert.Equal("true", await requests.GetAttributeAsync("aria-invalid"));
        Assert.Equal("9", await requests.InputValueAsync());
        Assert.Equal("month", await page.GetByLabel("Period", new() { Exact = true }).InputValueAsync());
        Assert.Equal("500", await page.GetByLabel("LLM tokens per period", new() { Exact = true }).InputValueAsync());
        await SelfServicePageTests.AssertAccessibleAsync(page, "limit refused");
        await screenshots.TakeAsync(page, "key-limits-refused");

        // Corrected with the keyboard: the key is made with its limits, and its row shows them.
        await TypeIntoAsync(page, requests, "3");
        var created = await page.RunAndWaitForResponseAsync(() => page.Keyboard.PressAsync("Enter"), r => r.Request.Method == "POST");
        Assert.Equal(200, created.Status);
        await Assertions.Expect(page.Locator("#keys")).ToContainTextAsync("Own limits: 3 requests per 2 minutes, 500 LLM tokens per month");
        await SelfServicePageTests.AssertAccessibleAsync(page, "key with limits created");
        using var api = server.CreateClient("bob", "system:authenticated");
        using var keys = JsonDocument.Parse(await api.GetStringAsync("/v1/api-keys"));
        Assert.Equal("""{"requests":3,"tokensPerMinute":0,"budgets":[{"period":"month","tokens":500,"requests":0}]}""", keys.RootElement[0].GetProperty("limits").GetRawText());

        // The browser logs the 400 document answer; nothing else may appear.
        watch.AssertClean("status of 400");
    }

    /// <summary>Moves the focus with Tab until it reaches <paramref name="target"/>, selects what it holds and types <paramref name="text"/> (a select picks by its first letters).</summary>
    private static async Task TypeIntoAsync(IPage page, ILocator target, string text)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                if (await target.EvaluateAsync<bool>("e => e.tagName === 'INPUT'"))
                {
                    await page.Keyboard.PressAsync("ControlOrMeta+A");
                }

                await page.Keyboard.TypeAsync(text);
                return;
            }
        }

        Assert.Fail("Tab never reached " + target);
    }
}
