using System.Net;
using System.Text.Json;
using Maas.Testing;
using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Hosting.AspNetCore.Tests.Usage;

/// <summary><c>GET /v1/usage/history</c>: the caller's own usage from the ledger, on every store, and a 400 for every bad parameter.</summary>
/// <remarks>The bad-parameter theory and the anonymous call share one in-memory host: they read nothing a test writes.</remarks>
public sealed class UsageHistoryTests(PostgreSqlServer postgres, SharedMaasTestHost shared) : IDisposable, IClassFixture<SharedMaasTestHost>
{
    private static readonly DateTimeOffset Day = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _folder = new();

    public static TheoryData<string> Stores => MaasTestStore.All;

    public void Dispose() => _folder.Dispose();

    private static UsageIncrement Increment(double hours, string user, string model, string credential, long prompt, IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        Hour = Day.AddHours(hours),
        User = user,
        Credential = credential,
        Tier = "free",
        Model = model,
        Outcome = UsageOutcome.Allowed,
        Labels = labels ?? new Dictionary<string, string>(),
        Requests = 1,
        PromptTokens = prompt,
        CompletionTokens = 1,
    };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task The_callers_history_sums_their_own_ledger_rows_per_day_and_group(string storage)
    {
        await using var server = await MaasTestHost.StartAsync(await MaasTestStore.ForAsync(storage, _folder, postgres));
        var search = new Dictionary<string, string> { ["team"] = "search" };
        await server.Services.GetRequiredService<IUsageLedger>().AppendAsync(new UsageBatch
        {
            Id = Guid.NewGuid(),
            Increments =
            [
                Increment(1, "alice", "granite", "key-1", 10, search),
                Increment(2, "alice", "granite", "key-1", 20, search),
                Increment(25, "alice", "llama", "token", 5),
                Increment(1, "bob", "granite", "key-9", 1000),
            ],
        });
        using var alice = server.CreateClient("alice", "system:authenticated");

        using var byModel = JsonDocument.Parse(await alice.GetStringAsync("/v1/usage/history?from=2026-11-25T00:00:00Z&to=2026-11-27T00:00:00Z"));
        using var byTeam = JsonDocument.Parse(await alice.GetStringAsync("/v1/usage/history?from=2026-11-25T00:00:00Z&to=2026-11-27T00:00:00Z&group_by=label:team&granularity=month"));

        var root = byModel.RootElement;
        Assert.Equal(("usage_history", "alice", "day", "model"), (root.GetProperty("object").GetString(), root.GetProperty("user").GetString(), root.GetProperty("granularity").GetString(), root.GetProperty("group_by").GetString()));
        Assert.Equal(
            [("2026-11-25T00:00:00Z", "granite", 2L, 30L, 32L), ("2026-11-26T00:00:00Z", "llama", 1L, 5L, 6L)],
            root.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("start").GetString(), e.GetProperty("group").GetString(), e.GetProperty("requests").GetInt64(), e.GetProperty("prompt_tokens").GetInt64(), e.GetProperty("total_tokens").GetInt64())));
        Assert.Equal(
            [("2026-11-01T00:00:00Z", (string?)null, 1L), ("2026-11-01T00:00:00Z", "search", 2L)],
            byTeam.RootElement.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("start").GetString(), e.GetProperty("group").GetString(), e.GetProperty("requests").GetInt64())));
    }

    [Theory]
    [InlineData("granularity=week", "granularity")]
    [InlineData("group_by=team", "group_by")]
    [InlineData("group_by=label:", "group_by")]
    [InlineData("group_by=label:te%20am", "group_by")]
    [InlineData("from=2026-11-20", "from")]
    [InlineData("from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z", "to")]
    [InlineData("from=2025-01-01T00:00:00Z&to=2026-11-26T00:00:00Z", "from")]
    [InlineData("from=2026-09-01T00:00:00Z&to=2026-11-26T00:00:00Z&granularity=hour", "from")]
    [InlineData("user=bob", "user")]
    [InlineData("to=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z", "to")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string query, string parameter)
    {
        var server = shared.Host;
        using var alice = server.CreateClient("alice", "system:authenticated");

        using var response = await alice.GetAsync("/v1/usage/history?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(parameter, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_caller_the_history_is_refused()
    {
        var server = shared.Host;
        using var anonymous = server.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/usage/history")).StatusCode);
    }
}
