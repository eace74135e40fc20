using System.Net;
using System.Text.Json;
using Maas.Testing;
using static Maas.Testing.ApiKeyRequests;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// A key's own limits over HTTP (the default tiers: alice is <c>free</c>, 5 requests per 2 minutes
/// and 100 LLM tokens per minute): created, echoed and listed; above the tier or malformed, a 400
/// naming the field, never a 500, and no key made. The bad-limit theory's cases share one host, each
/// as a user of its own (in the same groups, so in the same tier).
/// </summary>
public sealed class ApiKeyLimitsEndpointTests(AdministeredMaasTestHost shared) : IClassFixture<AdministeredMaasTestHost>
{
    [Fact]
    public async Task A_key_created_with_limits_answers_lists_and_shows_them()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json(
            """{"name":"ci","limits":{"requests":3,"tokensPerMinute":50,"budgets":[{"period":"Month","tokens":1000},{"period":"12h","requests":9}]}}"""));
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, text);
        using var body = JsonDocument.Parse(text);
        var expected = """{"requests":3,"tokensPerMinute":50,"budgets":[{"period":"month","tokens":1000,"requests":0},{"period":"12h0m0s","tokens":0,"requests":9}]}""";
        Assert.Equal(expected, body.RootElement.GetProperty("limits").GetRawText());
        var id = body.RootElement.GetProperty("id").GetString();
        await CreateAsync(alice, """{"name":"plain"}""");

        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        var listed = list.RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!);
        Assert.Equal(expected, listed["ci"].GetProperty("limits").GetRawText());
        Assert.False(listed["plain"].TryGetProperty("limits", out _));
        using var one = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal(expected, one.RootElement.GetProperty("limits").GetRawText());
        using var search = await SearchAsync(alice, "{}");
        Assert.Equal(expected, search.RootElement.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id).GetProperty("limits").GetRawText());
    }

    [Theory]
    [InlineData("""{"requests":6}""", "limits.requests")]
    [InlineData("""{"tokensPerMinute":101}""", "limits.tokensPerMinute")]
    [InlineData("""{"requests":-1}""", "limits.requests")]
    [InlineData("""{"budgets":[{"period":"month","tokens":1125899906842625}]}""", "limits.budgets[0].tokens")]
    [InlineData("""{"budgets":[{"period":"fortnight","tokens":1}]}""", "limits.budgets[0].period")]
    [InlineData("""{"budgets":[{"period":"day"}]}""", "limits.budgets[0]")]
    [InlineData("""{"requests":1e40}""", null)]
    [InlineData("""{"requests":"3"}""", null)]
    [InlineData("""{"tokensPerMinute":99999999999999999999999}""", null)]
    [InlineData("""{"tokensPerMinut":3}""", null)]
    [InlineData("""{"budgets":[{"period":"day","token":1}]}""", null)]
    [InlineData("""{"budgets":{"period":"day"}}""", null)]
    [InlineData("""[]""", null)]
    [InlineData("\"x\"", null)]
    public async Task A_limit_above_the_tier_or_malformed_is_a_400_and_makes_no_key(string limits, string? field)
    {
        var server = shared.Host;
        using var alice = server.CreateClient(SharedMaasTestHost.UniqueUser("alice"), "system:authenticated");

        using var response = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"k","limits":{{limits}}}"""));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        if (field is not null)
        {
            using var problem = JsonDocument.Parse(text);
            Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        }

        Assert.Equal("[]", await alice.GetStringAsync("/v1/api-keys"));
    }

    [Fact]
    public async Task An_administrator_changes_and_clears_a_keys_limits_and_the_trail_shows_old_and_new()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);
        var (id, _) = await CreateAsync(alice, """{"name":"ci","limits":{"requests":3}}""");

        using var changed = await admin.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json("""{"requests":2,"budgets":[{"period":"day","tokens":50}]}"""));
        var text = await changed.Content.ReadAsStringAsync();
        Assert.True(changed.StatusCode == HttpStatusCode.OK, text);
        var expected = """{"requests":2,"tokensPerMinute":0,"budgets":[{"period":"day","tokens":50,"requests":0}]}""";
        Assert.Equal(expected, JsonDocument.Parse(text).RootElement.GetProperty("limits").GetRawText());
        using (var read = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}")))
        {
            Assert.Equal(expected, read.RootElement.GetProperty("limits").GetRawText());
        }

        using (var cleared = await admin.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json("{}")))
        {
            Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
            Assert.False(JsonDocument.Parse(await cleared.Content.ReadAsStringAsync()).RootElement.TryGetProperty("limits", out _));
        }

        using var trail = JsonDocument.Parse(await admin.GetStringAsync("/v1/audit?limit=100"));
        var entries = trail.RootElement.GetProperty("data").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "set_limits").ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(id, e.GetProperty("key_id").GetString()));
        Assert.All(entries, e => Assert.Equal("root", e.GetProperty("actor").GetString()));
        Assert.All(entries, e => Assert.Equal("alice", e.GetProperty("subject").GetString()));
        Assert.Equal(
            $$"""{"old":{"requests":3,"tokensPerMinute":0,"budgets":[]},"new":{{expected}}}""",
            entries[1].GetProperty("detail").GetRawText());
        Assert.Equal($$"""{"old":{{expected}},"new":null}""", entries[0].GetProperty("detail").GetRawText());
        Assert.DoesNotContain("sk-", trail.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_an_administrator_changes_a_keys_limits_and_never_above_the_tier()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);
        var (id, _) = await CreateAsync(alice, """{"name":"ci","limits":{"requests":3}}""");

        // The owner may not raise (or change) what was set, nor may anyone else who is not an administrator.
        Assert.Equal(HttpStatusCode.Forbidden, (await alice.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json("""{"requests":5}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/v1/api-keys/no-such-key/limits", MaasTestHost.Json("{}"))).StatusCode);

        using var above = await admin.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json("""{"requests":6}"""));
        Assert.Equal(HttpStatusCode.BadRequest, above.StatusCode);
        Assert.Equal("limits.requests", JsonDocument.Parse(await above.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        foreach (var bad in new[] { """{"requests":1e40}""", """{"budget":[]}""", "[]", "", """{"budgets":[{"period":"day","tokens":-1}]}""" })
        {
            using var refused = await admin.PutAsync($"/v1/api-keys/{id}/limits", MaasTestHost.Json(bad));
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)refused.StatusCode}");
        }

        using var read = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal(3, read.RootElement.GetProperty("limits").GetProperty("requests").GetInt32());
        using var trail = JsonDocument.Parse(await admin.GetStringAsync("/v1/audit?limit=100"));
        Assert.DoesNotContain(trail.RootElement.GetProperty("data").EnumerateArray(), e => e.GetProperty("action").GetString() == "set_limits");
    }
}
