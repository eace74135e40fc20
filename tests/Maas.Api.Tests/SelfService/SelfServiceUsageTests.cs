using System.Globalization;
using System.Net;
using System.Text.Json;
using Maas.Testing;
using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// The usage screen (<c>/keys/usage</c>) in Chromium: charts and tables of what the caller's calls through the
/// gateway counted in the ledger, their limits and what is left now, reached and used with the keyboard only,
/// axe clean, and at 390 px without the page scrolling sideways. The screenshot <c>usage.png</c> comes from here.
/// </summary>
public sealed class SelfServiceUsageTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string Model = "facebook/opt-125m";

    [Fact]
    public async Task A_person_walks_to_their_usage_with_the_keyboard_and_sees_their_calls_per_model_and_per_key()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var screenshots = new Screenshots();
        using var api = server.CreateClient("dana", "system:authenticated");
        var (notebookId, notebook) = await ApiKeyRequests.CreateAsync(api, """{"name":"notebook"}""");
        var (pipelineId, pipeline) = await ApiKeyRequests.CreateAsync(api, """{"name":"ci-pipeline"}""");

        // Three calls through the gateway, two keys: what the model reported is what the ledger must show for today.
        var reported = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in new[] { notebook, notebook, pipeline })
        {
            using var withKey = server.CreateBearerClient(key);
            using var call = await withKey.PostAsync("/llm/facebook-opt-125m-simulated/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Hello"}],"max_tokens":8}"""));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            using var body = JsonDocument.Parse(await call.Content.ReadAsStringAsync());
            reported[key] = reported.GetValueOrDefault(key) + body.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
        }

        var today = reported.Values.Sum();
        Assert.True(today > 0);

        // The earlier days, as the ledger would hold them (another model too); some days without calls.
        var ledger = server.Services.GetRequiredService<IUsageLedger>();
        var now = server.Clock.GetUtcNow();
        var earlier = new List<UsageIncrement>();
        for (var day = 1; day < 30; day++)
        {
            if (day % 7 == 3)
            {
                continue;
            }

            var at = now.AddDays(-day);
            earlier.Add(Increment(notebookId, Model, at, requests: 2 + (day % 4), tokens: 40L * ((day * 37 % 11) + 2)));
            earlier.Add(Increment(pipelineId, "ibm-granite/granite-3.1-8b-instruct", at, requests: 1 + (day % 3), tokens: 900L + (day * 613 % 1700)));
        }

        Assert.True(await ledger.AppendAsync(new UsageBatch { Id = Guid.NewGuid(), Increments = earlier }));

        // The gateway writes its counts every second (of the host's clock): move it until today's calls are in.
        Assert.True(await Polling.PollAsync(
            async () =>
            {
                server.Clock.Advance(TimeSpan.FromSeconds(1));
                var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
                var rows = await ledger.QueryAsync(new UsageQuery { User = "dana", From = midnight, To = midnight.AddDays(1), GroupBy = UsageGrouping.Model });
                return rows.Sum(r => r.TotalTokens) == today;
            },
            TimeSpan.FromSeconds(20)));

        await using var context = await NewContextAsync(chromium.Browser, server, "dana", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        // From the list, with the keyboard only: Tab to the link, Enter.
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Your usage over the last 30 days" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Your usage");
        Assert.EndsWith("/keys/usage", page.Url, StringComparison.Ordinal);

        // The limits and what is left now, as GET /v1/usage reports them.
        using (var withKey = server.CreateBearerClient(notebook))
        using (var usage = JsonDocument.Parse(await withKey.GetStringAsync("/v1/usage")))
        {
            var limits = await page.Locator("#limits li").AllTextContentsAsync();
            Assert.Equal(2, limits.Count);
            var (requests, tokens) = (usage.RootElement.GetProperty("requests"), usage.RootElement.GetProperty("tokens"));
            Assert.StartsWith($"Requests {requests.GetProperty("remaining").GetInt64()} left of 5 per 2 minutes ({requests.GetProperty("used").GetInt64()} used) resets ", Squeeze(limits[0]), StringComparison.Ordinal);
            Assert.StartsWith($"LLM tokens {tokens.GetProperty("remaining").GetInt64()} left of 100 per minute ({tokens.GetProperty("used").GetInt64()} used) resets ", Squeeze(limits[1]), StringComparison.Ordinal);
        }

        // Two charts, each an image named and described, each with its table; today's row is what the model reported.
        var charts = page.GetByRole(AriaRole.Img);
        await Assertions.Expect(charts).ToHaveCountAsync(2);
        await Assertions.Expect(charts.Nth(0)).ToHaveAccessibleNameAsync("Tokens per day by model, last 30 days");
        await Assertions.Expect(charts.Nth(0)).ToHaveAccessibleDescriptionAsync(new System.Text.RegularExpressions.Regex("tokens in all; the most on 2026-"));
        Assert.True(await page.Locator("svg.chart rect").CountAsync() > 40);
        var byModel = page.Locator("#chart-model-table");
        await Assertions.Expect(byModel.Locator("tbody tr")).ToHaveCountAsync(30);
        List<string> todayRow = [.. await byModel.Locator("tbody tr").Last.Locator("th, td").AllTextContentsAsync()];
        Assert.Equal(Maas.SelfService.Pages.Display.Show(DateOnly.FromDateTime(now.UtcDateTime)), todayRow[0].Trim());
        List<string> columns = [.. await byModel.Locator("thead th").AllTextContentsAsync()];
        Assert.Equal(Show(today), todayRow[columns.IndexOf(Model)]);
        Assert.Equal("0", (await byModel.Locator("tbody tr").Nth(29 - 3).Locator("td").AllTextContentsAsync())[^1]);
        var byKey = page.Locator("#chart-key-table");
        List<string> keyColumns = [.. await byKey.Locator("thead th").AllTextContentsAsync()];
        var keyToday = await byKey.Locator("tbody tr").Last.Locator("th, td").AllTextContentsAsync();
        Assert.Equal(Show(reported[notebook]), keyToday[keyColumns.IndexOf("notebook")]);
        Assert.Equal(Show(reported[pipeline]), keyToday[keyColumns.IndexOf("ci-pipeline")]);
        await AssertAccessibleAsync(page, "usage");
        await screenshots.TakeAsync(page, "usage");

        // Requests instead of tokens, with the keyboard; the table's box takes the focus so it scrolls by keys too.
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Requests" }));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Requests" })).ToHaveAttributeAsync("aria-current", "page");
        await Assertions.Expect(charts.Nth(0)).ToHaveAccessibleNameAsync("Requests per day by model, last 30 days");
        List<string> requestColumns = [.. await page.Locator("#chart-model-table thead th").AllTextContentsAsync()];
        Assert.Equal("3", (await page.Locator("#chart-model-table tbody tr").Last.Locator("th, td").AllTextContentsAsync())[requestColumns.IndexOf(Model)]);
        var tableBox = page.GetByRole(AriaRole.Region, new() { Name = "Requests per day by model, last 30 days (requests, the numbers of the chart)" });
        await PressTabUntilAsync(page, tableBox);
        await AssertAccessibleAsync(page, "usage in requests");

        // On a phone: nothing scrolls the page sideways; the chart shrinks, the tables scroll in their box.
        await page.SetViewportSizeAsync(390, 844);
        await page.GotoAsync("/keys/usage");
        await SelfServiceNarrowScreenTests.AssertFitsAsync(page, "usage");
        Assert.True(await page.Locator("svg.chart").First.EvaluateAsync<bool>("e => e.getBoundingClientRect().width <= window.innerWidth"));
        Assert.Equal("auto", await page.Locator("#chart-key-table").EvaluateAsync<string>("t => getComputedStyle(t.parentElement).overflowX"));

        watch.AssertClean();
    }

    private static string Show(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    private static string Squeeze(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\\s+", " ").Trim();

    private static async Task PressTabUntilAsync(IPage page, ILocator target)
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

    private static UsageIncrement Increment(string credential, string model, DateTimeOffset at, long requests, long tokens) => new()
    {
        Hour = UsageIncrement.HourOf(at),
        User = "dana",
        Credential = credential,
        Tier = "free",
        Model = model,
        Outcome = UsageOutcome.Allowed,
        Requests = requests,
        PromptTokens = tokens * 3 / 4,
        CompletionTokens = tokens - (tokens * 3 / 4),
    };
}
