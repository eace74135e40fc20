using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.ApiKeys;
using Maas.SelfService.Pages;
using Maas.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using static Maas.SelfService.Tests.SelfServiceEndpointTests;

namespace Maas.SelfService.Tests;

/// <summary>
/// <c>/keys/usage/report</c> on a minimal host whose ledger the test writes: everyone's usage grouped and ranked as
/// the REST report ranks it, the default days, cursor pages, the CSV of the same page (byte for byte what
/// <c>GET /v1/usage/report</c> gives), administrators only, and every bad parameter a 400 said beside its field.
/// </summary>
public sealed partial class UsageReportScreenTests
{
    private const string AdminGroup = "maas-admins";
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 15, 30, 0, TimeSpan.Zero);

    private static async Task<WebApplication> StartAsync(Action<IServiceCollection>? configure = null)
    {
        var app = await SelfServiceEndpointTests.StartAsync(services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider(Now)));
            configure?.Invoke(services);
        });
        var ledger = app.Services.GetService<IKeyStore>() is IUsageLedger ? app.Services.GetRequiredService<IUsageLedger>() : null;
        if (ledger is not null)
        {
            Assert.True(await ledger.AppendAsync(new UsageBatch
            {
                Id = Guid.NewGuid(),
                Increments =
                [
                    Increment("alice", "granite-8b", Now.AddDays(-1), prompt: 9_000, team: "search"),
                    Increment("alice", "llama-70b", Now.AddDays(-29).Midnight(), prompt: 1_000, team: "search"),
                    Increment("bob", "granite-8b", Now.AddDays(-3), prompt: 5_000, team: null, outcome: UsageOutcome.Limited),
                    Increment("=cmd|' /C calc'!A0", "granite-8b", Now, prompt: 20, team: "<b>ads</b>"),
                    Increment("</title><script>alert(1)</script>", "llama-70b", Now.AddDays(-2), prompt: 300, team: "ads"),
                    // The day before the default 30, and after today: in neither the default report nor its CSV.
                    Increment("carol", "granite-8b", Now.AddDays(-30), prompt: 777_777, team: "search"),
                ],
            }));
        }

        return app;
    }

    [Fact]
    public async Task An_administrator_sees_everyones_last_30_days_ranked_with_a_chart_a_table_and_the_csv_of_the_same_page()
    {
        await using var app = await StartAsync();
        using var root = Admin(app);

        using var answer = await root.GetAsync("/keys/usage/report");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var html = await answer.Content.ReadAsStringAsync();

        // The default: the last 30 days, today included, by user, most tokens first; carol's older day is not in it.
        Assert.Contains("value=\"2026-10-28\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"2026-11-26\"", html, StringComparison.Ordinal);
        var table = Table(html, "report");
        Assert.Equal(["User", "Requests", "Limited", "Failed", "Prompt tokens", "Completion tokens", "Total tokens"], table[0]);
        Assert.Equal(["alice", "2", "0", "0", "10,000", "2", "10,002"], table[1]);
        Assert.Equal(["bob", "1", "1", "0", "5,000", "1", "5,001"], table[2]);
        Assert.Equal(["</title><script>alert(1)</script>", "1", "0", "0", "300", "1", "301"], table[3]);
        Assert.Equal(["=cmd|' /C calc'!A0", "1", "0", "0", "20", "1", "21"], table[4]);
        Assert.Equal(5, table.Count);
        Assert.DoesNotContain("777", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.Matches("<svg [^>]*role=\"img\" aria-labelledby=\"report-chart-title\" aria-describedby=\"report-chart-desc\"", html);
        Assert.Contains("<title id=\"report-chart-title\">Tokens by users, 2026-10-28 to 2026-11-26</title>", html, StringComparison.Ordinal);
        Assert.Equal(4, Regex.Count(html, "<rect "));

        // The CSV link carries the same report; its file is what the REST report answers for the same instants.
        var csvLink = WebUtility.HtmlDecode(CsvLink().Match(html).Groups[1].Value);
        Assert.Equal("/keys/usage/report/Csv?group_by=user&from=2026-10-28&to=2026-11-26&limit=20", csvLink);
        using var csv = await root.GetAsync(csvLink);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("usage-report-20261028T0000-20261127T0000.csv", csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        var file = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("user,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\nalice,2,0,0,10000,2,10002\r\n", file, StringComparison.Ordinal);
        Assert.Contains("\r\n'=cmd|' /C calc'!A0,1,0,0,20,1,21\r\n", file, StringComparison.Ordinal);
        using var rest = new HttpRequestMessage(HttpMethod.Get, "/v1/usage/report?from=2026-10-28T00:00:00Z&to=2026-11-27T00:00:00Z&limit=20");
        rest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var restAnswer = await root.SendAsync(rest);
        Assert.Equal(await restAnswer.Content.ReadAsStringAsync(), file);
    }

    [Fact]
    public async Task The_report_pages_by_cursor_groups_by_a_label_and_the_csv_follows_the_page()
    {
        await using var app = await StartAsync();
        using var root = Admin(app);

        // Two a page, by the label team: search (alice's 10,002), (no label) (bob's), then the two ads values.
        var first = await root.GetStringAsync("/keys/usage/report?group_by=label&label=team&limit=2&from=2026-10-28&to=2026-11-26");
        var table = Table(first, "report");
        Assert.Equal("Label team", table[0][0]);
        Assert.Equal(["search", "(no label)"], table.Skip(1).Select(r => r[0]));
        var next = WebUtility.HtmlDecode(NextLink().Match(first).Groups[1].Value);
        Assert.StartsWith("/keys/usage/report?group_by=label&from=2026-10-28&to=2026-11-26&label=team&limit=2&cursor=", next, StringComparison.Ordinal);

        var second = await root.GetStringAsync(next);
        Assert.Equal(["ads", "<b>ads</b>"], Table(second, "report").Skip(1).Select(r => r[0]));
        Assert.Contains("A following page", second, StringComparison.Ordinal);
        Assert.DoesNotMatch(NextLink(), second);
        Assert.Contains(">First page</a>", second, StringComparison.Ordinal);

        // The CSV of the second page is the second page.
        var csvLink = WebUtility.HtmlDecode(CsvLink().Match(second).Groups[1].Value);
        Assert.Contains("cursor=", csvLink, StringComparison.Ordinal);
        var file = await root.GetStringAsync(csvLink);
        Assert.Equal("label:team,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\nads,1,0,0,300,1,301\r\n<b>ads</b>,1,0,0,20,1,21\r\n", file);
    }

    [Fact]
    public async Task Only_administrators_see_the_report_its_csv_and_its_link()
    {
        await using var app = await StartAsync();
        using var root = Admin(app);
        using var alice = User(app, "alice");
        using var created = await root.PostAsync("/v1/api-keys", new StringContent("""{"name":"root's"}""", Encoding.UTF8, "application/json"));
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var withKey = Client(app);
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        Assert.Contains("id=\"usage-report-link\"", await root.GetStringAsync("/keys"), StringComparison.Ordinal);
        Assert.DoesNotContain("usage-report-link", await alice.GetStringAsync("/keys"), StringComparison.Ordinal);
        foreach (var client in new[] { alice, withKey })
        {
            foreach (var path in new[] { "/keys/usage/report", "/keys/usage/report/Csv", "/keys/usage/report/csv?group_by=model", "/keys/usage/report?limit=0" })
            {
                using var refused = await client.GetAsync(path);
                Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
                Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
                var html = await refused.Content.ReadAsStringAsync();
                Assert.Contains("Administrators only", html, StringComparison.Ordinal);
                Assert.DoesNotContain("10,002", html, StringComparison.Ordinal);
                Assert.DoesNotContain("limit must", html, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("from=yesterday", "from", "from must be a day such as 2026-11-30.")]
    [InlineData("from=2026-11-20&to=2026-11-19", "to", "to must be the same day as from or later.")]
    [InlineData("to=9999-12-31", "to", "to must be a day before the year 9999 ends.")]
    [InlineData("from=2025-01-01&to=2026-11-26", "from", "from and to may be at most 400 days apart.")]
    [InlineData("limit=0", "limit", "limit must be a whole number from 1 to 1000.")]
    [InlineData("limit=1001", "limit", "limit must be a whole number from 1 to 1000.")]
    [InlineData("limit=-5", "limit", "limit must be a whole number from 1 to 1000.")]
    [InlineData("limit=99999999999999999999", "limit", "limit must be a whole number from 1 to 1000.")]
    [InlineData("group_by=%3Cb%3Ebytes", "group-by", "Group by user, model, tier or a label.")]
    [InlineData("group_by=label", "label", "Name the label to group by, for example team.")]
    [InlineData("group_by=label&label=no%20spaces", "label", "group_by must be user, model, tier or label:<name> (a label key such as label:team).")]
    public async Task A_bad_parameter_is_a_400_said_beside_its_field_on_the_screen_and_on_the_csv_link(string parameters, string field, string message)
    {
        await using var app = await StartAsync();
        using var root = Admin(app);
        foreach (var path in new[] { "/keys/usage/report?", "/keys/usage/report/csv?" })
        {
            using var answer = await root.GetAsync(path + parameters);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
            var html = await answer.Content.ReadAsStringAsync();
            Assert.Contains($"<p class=\"error-text\" id=\"report-{field}-error\" role=\"alert\">{WebUtility.HtmlEncode(message)}</p>", html, StringComparison.Ordinal);
            Assert.Contains($"aria-invalid=\"true\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<b>bytes", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<table", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_edited_or_foreign_cursor_is_a_400_with_a_link_to_the_first_page()
    {
        await using var app = await StartAsync();
        using var root = Admin(app);
        var first = await root.GetStringAsync("/keys/usage/report?limit=1");
        var next = WebUtility.HtmlDecode(NextLink().Match(first).Groups[1].Value);
        Assert.Contains("cursor=", next, StringComparison.Ordinal);

        // The same cursor on another grouping, and an edited one: refused, never a page of something else.
        Assert.Contains("cursor=A", next, StringComparison.Ordinal);
        foreach (var path in new[] { next.Replace("group_by=user", "group_by=model", StringComparison.Ordinal), next.Replace("cursor=A", "cursor=B", StringComparison.Ordinal), "/keys/usage/report?cursor=notacursor" })
        {
            using var answer = await root.GetAsync(path);
            var html = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, path + html);
            Assert.Contains("cursor is not a cursor of this report", html, StringComparison.Ordinal);
            Assert.Contains(">The first page of this report</a>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_a_store_that_keeps_no_ledger_the_report_says_so_and_offers_no_file()
    {
        await using var app = await StartAsync(services =>
        {
            var store = services.Single(d => d.ServiceType == typeof(IKeyStore));
            services.Remove(store);
            services.AddSingleton<IKeyStore>(sp => new UsageScreenTests.StoreWithoutLedger((IKeyStore)(store.ImplementationInstance ?? store.ImplementationFactory!(sp))));
        });
        using var root = Admin(app);
        foreach (var path in new[] { "/keys/usage/report", "/keys/usage/report/csv" })
        {
            using var answer = await root.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
            Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains("This host keeps no usage ledger", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_chart_draws_at_most_25_bars_scaled_to_the_first_with_hostile_names_as_text_and_long_ones_cut()
    {
        var entries = Enumerable.Range(0, 30)
            .Select(i => new UsageReportEntry { Group = i == 0 ? "</title><script>alert(1)</script>\u0007" : "user-" + i, Requests = 1, PromptTokens = 3_000 - (i * 100), CompletionTokens = 0 })
            .Append(new UsageReportEntry { Group = null, Requests = 1 })
            .ToList();
        var view = UsageReportView.For(
            new UsageReportQuery { From = Now.AddDays(-3).Midnight(), To = Now.Midnight().AddDays(1), GroupBy = UsageReportGrouping.Label, Label = "team" },
            new UsageReportPage { Entries = entries });

        var svg = UsageReportChartSvg.Render(view);
        var document = System.Xml.Linq.XDocument.Parse(svg);
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(25, document.Descendants(ns + "rect").Count());
        Assert.Equal("Tokens by values of the label team, 2026-11-23 to 2026-11-26", document.Root!.Element(ns + "title")!.Value);
        Assert.Equal("25 bars, most tokens first; the first: </title><script>alert(1)</script>\uFFFD with 3,000 tokens. The table below has every number.", document.Root!.Element(ns + "desc")!.Value);
        var first = document.Descendants(ns + "rect").First();
        Assert.Equal(UsageReportChartSvg.BarRight - UsageReportChartSvg.BarLeft, double.Parse(first.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("</title><script>ale…", document.Descendants(ns + "text").First().Value);
        Assert.Equal(UsageReportChartSvg.MinimumBar, UsageReportChartSvg.Length(1, long.MaxValue));
        Assert.Equal(0, UsageReportChartSvg.Length(0, 10));
        Assert.Equal("(no label)", UsageReportView.NameOf(entries[^1]));
    }

    private static HttpClient Admin(WebApplication app) => User(app, "root", AdminGroup);

    private static HttpClient User(WebApplication app, string name, params string[] groups)
    {
        var client = Client(app);
        client.DefaultRequestHeaders.Add("X-MaaS-Username", name);
        client.DefaultRequestHeaders.Add("X-MaaS-Group", JsonSerializer.Serialize(new[] { "system:authenticated" }.Concat(groups)));
        return client;
    }

    private static UsageIncrement Increment(string user, string model, DateTimeOffset at, long prompt, string? team, UsageOutcome outcome = UsageOutcome.Allowed) => new()
    {
        Hour = UsageIncrement.HourOf(at),
        User = user,
        Credential = "key-" + user.Length,
        Tier = "free",
        Model = model,
        Outcome = outcome,
        Labels = team is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["team"] = team },
        Requests = 1,
        PromptTokens = prompt,
        CompletionTokens = 1,
    };

    /// <summary>The rows of a table of the page (header, body), each as its cells' decoded text.</summary>
    private static List<List<string>> Table(string html, string id)
    {
        var table = Regex.Match(html, $"<table[^>]* id=\"{id}\">(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"no table {id}");
        return [.. Regex.Matches(table.Groups[1].Value, "<tr>(.*?)</tr>", RegexOptions.Singleline)
            .Select(row => Regex.Matches(row.Groups[1].Value, "<t[hd][^>]*>(.*?)</t[hd]>", RegexOptions.Singleline)
                .Select(cell => WebUtility.HtmlDecode(cell.Groups[1].Value.Trim())).ToList())];
    }

    [GeneratedRegex("<a id=\"report-csv\" href=\"([^\"]+)\"")]
    private static partial Regex CsvLink();

    [GeneratedRegex("<a id=\"report-next\" href=\"([^\"]+)\"")]
    private static partial Regex NextLink();
}

file static class Days
{
    /// <summary>The midnight (UTC) that starts the instant's day.</summary>
    public static DateTimeOffset Midnight(this DateTimeOffset instant) => new(instant.UtcDateTime.Date, TimeSpan.Zero);
}
