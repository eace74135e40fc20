using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// The administrators' usage report (<c>/keys/usage/report</c>) in Chromium: reached from the list, asked for
/// another grouping and downloaded as CSV with the keyboard only, axe clean, paged by its links; and nobody else
/// reaches it. The screenshot <c>usage-report.png</c> comes from here.
/// </summary>
public sealed class SelfServiceUsageReportTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string AdminGroup = "maas-admins";

    [Fact]
    public async Task An_administrator_walks_to_the_report_with_the_keyboard_regroups_it_and_downloads_its_csv()
    {
        await using var server = await MaasApiServer.StartAsync(configure: builder => builder.Configuration["Maas:Admins:Groups:0"] = AdminGroup);
        using var screenshots = new Screenshots();

        // Thirty days of calls by five users on three models, as the gateway would have written them to the ledger.
        var now = server.Clock.GetUtcNow();
        var users = new[] { ("dana", "premium", 4_000L), ("erik", "free", 2_500L), ("fatima", "premium", 1_800L), ("gus", "free", 600L), ("hana", "enterprise", 90L) };
        var models = new[] { "ibm-granite/granite-3.1-8b-instruct", "facebook/opt-125m", "meta-llama/Llama-3.1-70B-Instruct" };
        var increments = new List<UsageIncrement>();
        for (var day = 0; day < 30; day++)
        {
            foreach (var (user, tier, tokens) in users)
            {
                var model = models[(day + user.Length) % models.Length];
                increments.Add(new UsageIncrement
                {
                    Hour = UsageIncrement.HourOf(now.AddDays(-day)),
                    User = user,
                    Credential = "key-" + user,
                    Tier = tier,
                    Model = model,
                    Outcome = day % 9 == 4 ? UsageOutcome.Limited : UsageOutcome.Allowed,
                    Labels = new Dictionary<string, string> { ["team"] = user.Length % 2 == 0 ? "search" : "assistants" },
                    Requests = 1 + (day % 5),
                    PromptTokens = tokens * 3 / 4 + (day * 17),
                    CompletionTokens = tokens / 4,
                });
            }
        }

        Assert.True(await server.Services.GetRequiredService<IUsageLedger>().AppendAsync(new UsageBatch { Id = Guid.NewGuid(), Increments = increments }));

        await using var context = await NewContextAsync(chromium.Browser, server, "root", "system:authenticated", AdminGroup);
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        // From the list, with the keyboard only: Tab to the link, Enter.
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Usage report" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Usage report");
        Assert.EndsWith("/keys/usage/report", page.Url, StringComparison.Ordinal);

        // By user over the last 30 days, most tokens first: the chart names itself and the table has the numbers.
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        Assert.Equal(Maas.SelfService.Pages.Display.Show(today.AddDays(-29)), await page.GetByLabel("From (day)").InputValueAsync());
        Assert.Equal(Maas.SelfService.Pages.Display.Show(today), await page.GetByLabel("To (day, included)").InputValueAsync());
        await Assertions.Expect(page.Locator("#report tbody th")).ToHaveTextAsync(new[] { "dana", "erik", "fatima", "gus", "hana" });
        var chart = page.GetByRole(AriaRole.Img);
        await Assertions.Expect(chart).ToHaveAccessibleNameAsync($"Tokens by users, {Maas.SelfService.Pages.Display.Show(today.AddDays(-29))} to {Maas.SelfService.Pages.Display.Show(today)}");
        await Assertions.Expect(chart).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("^5 bars, most tokens first; the first: dana with "));
        await Assertions.Expect(page.Locator("svg.report-chart rect")).ToHaveCountAsync(5);
        await AssertAccessibleAsync(page, "usage report");
        await screenshots.TakeAsync(page, "usage-report");

        // With the keyboard: Tab to the grouping, choose Model by typing, Tab on to the button, Enter.
        await page.Locator("main").FocusAsync();
        await TabToAsync(page, page.GetByLabel("Group by"));
        await page.Keyboard.TypeAsync("Model");
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Show the report" }));
        await Assertions.Expect(page.Locator("#report thead th").First).ToHaveTextAsync("Model");
        Assert.Contains("group_by=model", page.Url, StringComparison.Ordinal);
        var modelRows = await page.Locator("#report tbody tr").CountAsync();
        Assert.Equal(3, modelRows);
        await AssertAccessibleAsync(page, "usage report by model");

        // Then on to the CSV link: Enter downloads this very page as a file.
        var download = await page.RunAndWaitForDownloadAsync(() => PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Download this page as CSV" })));
        Assert.StartsWith("usage-report-", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("model,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens", lines[0]);
        // The table's rows, counts without their thousands separators, are the file's.
        var shown = await page.Locator("#report tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => [...r.children].map(c => c.textContent.trim().replaceAll(',', '')).join(','))");
        Assert.Equal(shown, lines.Skip(1));

        // Two a page: the next page by its link, then back to the first.
        await page.GetByLabel("Groups per page (top N)").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the report" }).ClickAsync();
        await Assertions.Expect(page.Locator("#report tbody tr")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await Assertions.Expect(page.Locator("#report tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#report caption")).ToContainTextAsync("A following page");
        await page.GetByRole(AriaRole.Link, new() { Name = "First page" }).ClickAsync();
        await Assertions.Expect(page.Locator("#report tbody tr")).ToHaveCountAsync(2);

        // A bad limit typed into the address: said beside its field, the page still works.
        var refused = await page.GotoAsync("/keys/usage/report?limit=5000");
        Assert.Equal(400, refused!.Status);
        await Assertions.Expect(page.GetByLabel("Groups per page (top N)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.GetByLabel("Groups per page (top N)")).ToHaveAccessibleDescriptionAsync("limit must be a whole number from 1 to 1000.");
        await AssertAccessibleAsync(page, "usage report refusing a limit");

        // Someone who is not an administrator has no link to it, and is refused it and its file.
        await using var other = await NewContextAsync(chromium.Browser, server, "dana", "system:authenticated");
        var danas = await other.NewPageAsync();
        await danas.GotoAsync("/keys");
        await Assertions.Expect(danas.GetByRole(AriaRole.Link, new() { Name = "Usage report" })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/keys/usage/report", "/keys/usage/report/Csv?group_by=model" })
        {
            var forbidden = await danas.GotoAsync(path);
            Assert.Equal(403, forbidden!.Status);
            await Assertions.Expect(danas.Locator("h1")).ToHaveTextAsync("Administrators only");
        }

        // The one refusal asked for on purpose: the limit of 5,000.
        watch.AssertClean("status of 400");
    }

    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }
        }

        Assert.Fail("Tab never reached " + target);
    }
}
