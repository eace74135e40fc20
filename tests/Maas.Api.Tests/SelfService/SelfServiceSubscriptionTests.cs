using System.Text.Json;
using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// A person entitled to several tiers chooses the key's subscription in the create form (a labelled
/// select, axe clean), the key's row names it, and the key draws on that tier at the gateway; a
/// person in one tier is offered no choice.
/// </summary>
public sealed class SelfServiceSubscriptionTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    [Fact]
    public async Task A_person_in_two_tiers_chooses_the_keys_subscription_and_its_row_and_the_gateway_follow_it()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await SelfServicePageTests.NewContextAsync(chromium.Browser, server, "carol", "system:authenticated", "premium-group");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        var subscription = page.GetByLabel("Subscription");
        Assert.Equal(["", "premium", "free"], await subscription.Locator("option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)"));
        await page.GetByLabel("Name").FillAsync("cheap jobs");
        await subscription.SelectOptionAsync("free");
        await SelfServicePageTests.AssertAccessibleAsync(page, "create form with a subscription");
        var created = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(200, created.Status);
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.Contains("subscription: free", await page.Locator("#keys tbody tr", new() { HasText = "cheap jobs" }).TextContentAsync(), StringComparison.Ordinal);
        await SelfServicePageTests.AssertAccessibleAsync(page, "key created with a subscription");

        using (var withKey = server.CreateBearerClient(key))
        {
            using var usage = JsonDocument.Parse(await withKey.GetStringAsync("/v1/usage"));
            Assert.Equal("free", usage.RootElement.GetProperty("tier").GetString());
        }

        using var api = server.CreateClient("carol", "system:authenticated", "premium-group");
        using var list = JsonDocument.Parse(await api.GetStringAsync("/v1/api-keys"));
        Assert.Equal("free", list.RootElement.EnumerateArray().Single().GetProperty("subscription").GetString());
        watch.AssertClean();
    }

    [Fact]
    public async Task A_person_in_one_tier_is_offered_no_subscription_and_a_forged_one_is_refused_next_to_the_form()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await SelfServicePageTests.NewContextAsync(chromium.Browser, server, "bob", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        Assert.Equal(0, await page.GetByLabel("Subscription").CountAsync());

        // A form edited to name a tier bob is not in: refused, nothing made.
        await page.GetByLabel("Name").FillAsync("sneaky");
        await page.EvaluateAsync("() => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'Create.Subscription'; i.value = 'enterprise'; document.querySelector('.create-form').appendChild(i); }");
        var refused = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("subscription");
        using var api = server.CreateClient("bob", "system:authenticated");
        Assert.Equal("[]", await api.GetStringAsync("/v1/api-keys"));
        watch.AssertClean("status of 400");
    }
}
