using System.Text.Json;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>The browser's reload of "key created" re-posts the form: it makes no second key.</summary>
public sealed class SelfServiceReloadTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    [Fact]
    public async Task Reloading_the_key_created_answer_makes_no_second_key_and_shows_the_list_saying_why()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await NewContextAsync(chromium.Browser, server, "henry", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        await page.GetByLabel("Name").FillAsync("once");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);

        // The reload sends the same POST again; the answer redirects to the list (Post/Redirect/Get).
        var posts = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST")
            {
                posts.Add(request.Url);
            }
        };
        var reloaded = await page.ReloadAsync();
        Assert.Single(posts);
        Assert.Equal(200, reloaded!.Status);
        Assert.EndsWith("/keys?sent=again", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("That form was sent already, so no second key was made");
        Assert.Equal(0, await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).CountAsync());
        await Assertions.Expect(page.Locator("#keys tbody tr")).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page, "list after a resubmitted form");

        // And its own reload is a plain GET.
        await page.ReloadAsync();
        Assert.Single(posts);
        using var api = server.CreateClient("henry", "system:authenticated");
        using var keys = JsonDocument.Parse(await api.GetStringAsync("/v1/api-keys"));
        Assert.Equal(1, keys.RootElement.GetArrayLength());

        watch.AssertClean();
        Assert.DoesNotContain(watch.Urls, url => url.Contains(key[8..], StringComparison.Ordinal));
    }
}
