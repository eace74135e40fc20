using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Maas.Testing;
using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;
using static Maas.Testing.AuditRequests;

namespace Maas.Hosting.AspNetCore.Tests.Usage;

/// <summary>
/// <c>GET /v1/usage/report</c>: the administrators' report over every user, on every store; cursor
/// pages that refuse an edited or foreign cursor; a 400 for every bad parameter; 401/403 as the other
/// administrators' endpoints; and the CSV export of the report and of the caller's history.
/// </summary>
/// <remarks>The bad-parameter theory's cases share one in-memory host with no usage: they read nothing a test writes.</remarks>
public sealed class UsageReportTests(PostgreSqlServer postgres, AdministeredMaasTestHost shared) : IDisposable, IClassFixture<AdministeredMaasTestHost>
{
    private const string Range = "from=2026-11-25T00:00:00Z&to=2026-11-27T00:00:00Z";
    private static readonly DateTimeOffset Day = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _folder = new();

    public static TheoryData<string> Stores => MaasTestStore.All;

    public void Dispose() => _folder.Dispose();

    private static UsageIncrement Increment(double hours, string user, string model, long prompt, string tier = "free", IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Hour = Day.AddHours(hours),
        User = user,
        Credential = "key-" + user,
        Tier = tier,
        Model = model,
        Outcome = UsageOutcome.Allowed,
        Labels = labels ?? new Dictionary<string, string>(),
        Requests = 1,
        PromptTokens = prompt,
        CompletionTokens = 1,
    };

    private static async Task<MaasTestHost> StartAsync(MaasTestStore? store = null, params UsageIncrement[] increments)
    {
        var server = await MaasTestHost.StartAsync(store, Administrators);
        if (increments.Length > 0)
        {
            await server.Services.GetRequiredService<IUsageLedger>().AppendAsync(new UsageBatch { Id = Guid.NewGuid(), Increments = increments });
        }

        return server;
    }

    private static HttpClient Admin(MaasTestHost server) => server.CreateClient("root", "system:authenticated", AdminGroup);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task An_administrator_reads_every_users_usage_grouped_and_filtered_most_tokens_first(string storage)
    {
        var search = new Dictionary<string, string> { ["team"] = "search" };
        await using var server = await StartAsync(
            await MaasTestStore.ForAsync(storage, _folder, postgres),
            Increment(1, "alice", "granite", 10, labels: search),
            Increment(2, "alice", "llama", 20, labels: search),
            Increment(3, "bob", "granite", 1000, tier: "premium"),
            Increment(30, "carol", "granite", 5),
            Increment(60, "dave", "granite", 100000)); // after the range
        using var admin = Admin(server);

        using var byUser = JsonDocument.Parse(await admin.GetStringAsync("/v1/usage/report?" + Range));
        using var granite = JsonDocument.Parse(await admin.GetStringAsync("/v1/usage/report?" + Range + "&group_by=tier&model=granite"));
        using var byTeam = JsonDocument.Parse(await admin.GetStringAsync("/v1/usage/report?" + Range + "&group_by=label:team"));

        var root = byUser.RootElement;
        Assert.Equal(("usage_report", "user", "2026-11-25T00:00:00Z", false), (root.GetProperty("object").GetString(), root.GetProperty("group_by").GetString(), root.GetProperty("from").GetString(), root.GetProperty("has_more").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("next_cursor").ValueKind);
        Assert.Equal(
            [("bob", 1L, 1000L, 1001L), ("alice", 2L, 30L, 32L), ("carol", 1L, 5L, 6L)],
            root.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("group").GetString(), e.GetProperty("requests").GetInt64(), e.GetProperty("prompt_tokens").GetInt64(), e.GetProperty("total_tokens").GetInt64())));
        Assert.Equal([("premium", 1001L), ("free", 17L)], Groups(granite));
        Assert.Equal([(null, 1007L), ("search", 32L)], Groups(byTeam));
    }

    [Fact]
    public async Task Pages_follow_next_cursor_to_the_last_and_an_edited_or_foreign_cursor_is_a_400()
    {
        await using var server = await StartAsync(null, [.. Enumerable.Range(0, 7).Select(i => Increment(1, $"user-{i}", "granite", 100 * (i + 1)))]);
        using var admin = Admin(server);

        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var page = JsonDocument.Parse(await admin.GetStringAsync("/v1/usage/report?" + Range + "&limit=3" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))));
            seen.AddRange(page.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("group").GetString()));
            cursor = page.RootElement.GetProperty("next_cursor").GetString();
            Assert.Equal(cursor is not null, page.RootElement.GetProperty("has_more").GetBoolean());
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["user-6", "user-5", "user-4", "user-3", "user-2", "user-1", "user-0"], seen);

        using var first = JsonDocument.Parse(await admin.GetStringAsync("/v1/usage/report?" + Range + "&limit=3"));
        var issued = first.RootElement.GetProperty("next_cursor").GetString()!;
        var edited = issued[..^2] + (issued[^2] == 'A' ? 'B' : 'A') + issued[^1];
        foreach (var query in new[]
        {
            Range + "&limit=3&cursor=" + edited,
            Range + "&limit=3&cursor=not-a-cursor",
            Range + "&limit=3&cursor=notacursor", // not base64url: its last character has bits left over
            Range + "&limit=3&group_by=model&cursor=" + issued, // another grouping
            "from=2026-11-24T00:00:00Z&to=2026-11-27T00:00:00Z&limit=3&cursor=" + issued, // another range
            Range + "&limit=3&tier=free&cursor=" + issued, // another filter
        })
        {
            using var response = await admin.GetAsync("/v1/usage/report?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("cursor", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The page size is not part of the report, so a client may change it between pages.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/usage/report?" + Range + "&limit=10&cursor=" + issued)).StatusCode);
    }

    [Theory]
    [InlineData("group_by=key", "group_by")]
    [InlineData("group_by=label:", "group_by")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=99999999999999999999", "limit")]
    [InlineData("from=2026-11-20", "from")]
    [InlineData("from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z", "to")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2026-11-26T00:00:00Z", "from")]
    [InlineData("user=", "user")]
    [InlineData("model=a&model=b", "model")]
    [InlineData("granularity=day", "granularity")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string query, string parameter)
    {
        var server = shared.Host;
        using var admin = Admin(server);

        using var response = await admin.GetAsync("/v1/usage/report?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_administrators_read_the_report_and_a_caller_learns_nothing_from_a_bad_parameter()
    {
        await using var server = await StartAsync(null, Increment(1, "bob", "granite", 1000));
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var anonymous = server.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/usage/report")).StatusCode);
        using var refused = await alice.GetAsync("/v1/usage/report?limit=0");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("bob", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var refusedCsv = await alice.SendAsync(CsvGet("/v1/usage/report?" + Range));
        Assert.Equal(HttpStatusCode.Forbidden, refusedCsv.StatusCode);
    }

    [Fact]
    public async Task The_report_exports_as_csv_quoted_with_formulas_neutralised_and_a_link_to_the_next_page()
    {
        var labels = (string team) => new Dictionary<string, string> { ["team"] = team };
        await using var server = await StartAsync(
            null,
            Increment(1, "=HYPERLINK(\"http://evil\")", "granite", 500),
            Increment(1, "alice, the \"first\"", "granite", 400, labels: labels("-2+3")),
            Increment(1, "@bob", "granite", 300, labels: labels("search\r\nteam")),
            Increment(1, "+carol", "granite", 200),
            Increment(1, "\tdave", "granite", 100));
        using var admin = Admin(server);

        using var response = await admin.SendAsync(CsvGet("/v1/usage/report?" + Range + "&limit=4"));
        var csv = await response.Content.ReadAsStringAsync();
        using var byTeam = await admin.SendAsync(CsvGet("/v1/usage/report?" + Range + "&group_by=label:team"));
        var teams = await byTeam.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("usage-report-20261125T0000-20261127T0000.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(
            "user,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\n" +
            "\"'=HYPERLINK(\"\"http://evil\"\")\",1,0,0,500,1,501\r\n" +
            "\"alice, the \"\"first\"\"\",1,0,0,400,1,401\r\n" +
            "'@bob,1,0,0,300,1,301\r\n" +
            "'+carol,1,0,0,200,1,201\r\n",
            csv);
        var next = Assert.Single(response.Headers.GetValues("Link"));
        Assert.StartsWith("</v1/usage/report?", next, StringComparison.Ordinal);
        Assert.EndsWith(">; rel=\"next\"", next, StringComparison.Ordinal);
        using var last = await admin.SendAsync(CsvGet(next[1..next.IndexOf('>', StringComparison.Ordinal)]));
        Assert.Equal("user,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\n'\tdave,1,0,0,100,1,101\r\n", await last.Content.ReadAsStringAsync());
        Assert.False(last.Headers.Contains("Link"));
        Assert.Equal(
            "label:team,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\n" +
            ",3,0,0,800,3,803\r\n" +
            "'-2+3,1,0,0,400,1,401\r\n" +
            "\"search\r\nteam\",1,0,0,300,1,301\r\n",
            teams);
    }

    [Fact]
    public async Task The_callers_history_exports_as_csv_and_json_stays_the_default()
    {
        await using var server = await StartAsync(null, Increment(1, "alice", "=cmd", 10), Increment(25, "alice", "granite", 20), Increment(1, "bob", "granite", 99));
        using var alice = server.CreateClient("alice", "system:authenticated");

        using var csv = await alice.SendAsync(CsvGet("/v1/usage/history?" + Range));
        using var json = await alice.GetAsync("/v1/usage/history?" + Range);
        using var preferringJson = new HttpRequestMessage(HttpMethod.Get, "/v1/usage/history?" + Range);
        preferringJson.Headers.Accept.ParseAdd("text/csv;q=0.5");
        preferringJson.Headers.Accept.ParseAdd("application/json");
        using var jsonPreferred = await alice.SendAsync(preferringJson);

        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("usage-history-20261125T0000-20261127T0000.csv", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(
            "start,model,requests,limited_requests,failed_requests,prompt_tokens,completion_tokens,total_tokens\r\n" +
            "2026-11-25T00:00:00Z,'=cmd,1,0,0,10,1,11\r\n" +
            "2026-11-26T00:00:00Z,granite,1,0,0,20,1,21\r\n",
            await csv.Content.ReadAsStringAsync());
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("application/json", jsonPreferred.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Accept", csv.Headers.Vary);
    }

    private static List<(string?, long)> Groups(JsonDocument page) =>
        page.RootElement.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("group").GetString(), e.GetProperty("total_tokens").GetInt64())).ToList();

    private static HttpRequestMessage CsvGet(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        return request;
    }
}
