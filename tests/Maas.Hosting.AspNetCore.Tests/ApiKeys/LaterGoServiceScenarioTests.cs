using System.Globalization;
using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// Issue 25's acceptance: the later Go service's own API-key and smoke scenarios that need no
/// cluster (its test/e2e/tests/test_api_keys.py and test_smoke.py, read for their requests and
/// assertions), run against the hosting endpoints with the later service's names only (<c>key</c>,
/// <c>id</c>, <c>expiresIn</c>, 200 on revocation). The January-contract tests run beside them unchanged.
/// Kept differences: a bad credential at the gateway is 401 <c>invalid_api_key</c> (theirs 403), and
/// the key prefix is <c>sk-maas-</c> unless configured.
/// </summary>
/// <remarks>The lifetime theory's cases share one host, each as a user of its own.</remarks>
public sealed class LaterGoServiceScenarioTests(AdministeredMaasTestHost shared) : IClassFixture<AdministeredMaasTestHost>
{
    private static async Task<JsonElement> PostAsync(HttpClient client, string path, string json, HttpStatusCode expected)
    {
        using var response = await client.PostAsync(path, MaasTestHost.Json(json));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path} {json}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static Task<JsonElement> CreateAsync(HttpClient client, string json) =>
        PostAsync(client, "/v1/api-keys", json, HttpStatusCode.Created);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return (response.StatusCode, default);
        }

        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static async Task<string?> StatusOfAsync(HttpClient client, string id) =>
        (await SendAsync(client, HttpMethod.Get, $"/v1/api-keys/{id}")).Body.GetProperty("status").GetString();

    private static string[] SearchIds(JsonElement list) =>
        [.. list.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!)];

    [Fact]
    public async Task Create_answers_key_and_id_and_get_and_list_never_show_the_key()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");

        // test_create_api_key
        var created = await CreateAsync(alice, """{"name":"test-key","description":"made by the later service's test"}""");
        var id = created.GetProperty("id").GetString()!;
        var key = created.GetProperty("key").GetString()!;
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        Assert.Equal("test-key", created.GetProperty("name").GetString());
        Assert.Equal(key, created.GetProperty("token").GetString());
        Assert.Equal(id, created.GetProperty("jti").GetString());
        Assert.Equal("sk-maas-" + id[..12] + "...", created.GetProperty("keyPrefix").GetString());
        Assert.Equal(
            server.Clock.GetUtcNow().ToUnixTimeSeconds(),
            DateTimeOffset.Parse(created.GetProperty("createdAt").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());
        Assert.Equal(
            created.GetProperty("expiresAt").GetInt64(),
            DateTimeOffset.Parse(created.GetProperty("expirationDate").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeSeconds());

        var (status, single) = await SendAsync(alice, HttpMethod.Get, $"/v1/api-keys/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(single.TryGetProperty("key", out _));
        Assert.Equal(id, single.GetProperty("id").GetString());
        Assert.Equal("alice", single.GetProperty("username").GetString());
        Assert.Equal("active", single.GetProperty("status").GetString());

        // test_list_api_keys: both keys by id, newest first, never a key text.
        server.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await CreateAsync(alice, """{"name":"test-key-2"}""");
        var search = await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"status":["active"]},"pagination":{"limit":50,"offset":0}}""", HttpStatusCode.OK);
        Assert.Equal([second.GetProperty("id").GetString()!, id], SearchIds(search));
        Assert.All(search.GetProperty("data").EnumerateArray(), k => Assert.False(k.TryGetProperty("key", out _)));
        var limited = await PostAsync(alice, "/v1/api-keys/search", """{"pagination":{"limit":1}}""", HttpStatusCode.OK);
        Assert.Single(SearchIds(limited));
        Assert.True(limited.GetProperty("has_more").GetBoolean());
        var (_, listed) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal(2, listed.GetArrayLength());
        Assert.All(listed.EnumerateArray(), k => Assert.Equal("alice", k.GetProperty("username").GetString()));
    }

    [Fact]
    public async Task ExpiresIn_sets_the_lifetime_within_the_maximum_and_above_it_is_400()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (_, config) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys/config");
        var maxDays = config.GetProperty("max_expiration_days").GetInt64();
        var now = server.Clock.GetUtcNow().ToUnixTimeSeconds();

        // test_create_key_with_short_expiration, _within_, _at_ and _exceeds_expiration_limit, _without_expiration.
        var shortKey = await CreateAsync(alice, """{"name":"short","expiresIn":"1h"}""");
        Assert.Equal(now + 3600, shortKey.GetProperty("expiresAt").GetInt64());
        var within = await CreateAsync(alice, $$"""{"name":"within","expiresIn":"{{(maxDays - 1) * 24}}h"}""");
        Assert.Equal(now + ((maxDays - 1) * 86400), within.GetProperty("expiresAt").GetInt64());
        var at = await CreateAsync(alice, $$"""{"name":"at","expiresIn":"{{maxDays * 24}}h"}""");
        Assert.Equal(now + (maxDays * 86400), at.GetProperty("expiresAt").GetInt64());
        await PostAsync(alice, "/v1/api-keys", $$"""{"name":"over","expiresIn":"{{(maxDays + 1) * 24}}h"}""", HttpStatusCode.BadRequest);
        var without = await CreateAsync(alice, """{"name":"without"}""");
        Assert.True(without.GetProperty("expiresAt").GetInt64() > now + 3600);

        // A number of seconds too, and both names when they agree.
        Assert.Equal(now + 900, (await CreateAsync(alice, """{"name":"seconds","expiresIn":900}""")).GetProperty("expiresAt").GetInt64());
        Assert.Equal(now + 3600, (await CreateAsync(alice, """{"name":"both","expiresIn":"1h","expiration":"60m"}""")).GetProperty("expiresAt").GetInt64());
    }

    [Fact]
    public async Task ExpiresIn_in_days_is_read_as_the_later_service_reads_it()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var now = server.Clock.GetUtcNow().ToUnixTimeSeconds();

        // Its ParseDurationWithDays: a number before "d" is days, fractions too; under either name.
        Assert.Equal(now + (30 * 86400), (await CreateAsync(alice, """{"name":"month","expiresIn":"30d"}""")).GetProperty("expiresAt").GetInt64());
        Assert.Equal(now + (90 * 86400), (await CreateAsync(alice, """{"name":"quarter","expiration":"90d"}""")).GetProperty("expiresAt").GetInt64());
        Assert.Equal(now + 129600, (await CreateAsync(alice, """{"name":"day-and-a-half","expiresIn":"1.5d"}""")).GetProperty("expiresAt").GetInt64());
        Assert.Equal(now + 86400, (await CreateAsync(alice, """{"name":"agree","expiresIn":"1d","expiration":"24h"}""")).GetProperty("expiresAt").GetInt64());

        // Not a number of days: 400 naming the member; beyond the maximum or not positive: 400 naming the
        // lifetime (expiration, as for any lifetime out of bounds). Nothing created.
        foreach (var (body, field) in new[]
        {
            ("""{"name":"k","expiresIn":"366d"}""", "expiration"),
            ("""{"name":"k","expiresIn":"0d"}""", "expiration"),
            ("""{"name":"k","expiresIn":"-1d"}""", "expiration"),
            ("""{"name":"k","expiresIn":"d"}""", "expiresIn"),
            ("""{"name":"k","expiresIn":"1e3d"}""", "expiresIn"),
            ("""{"name":"k","expiresIn":"99999999999999999999d"}""", "expiresIn"),
            ("""{"name":"k","expiration":"1h30d"}""", "expiration"),
        })
        {
            var problem = await PostAsync(alice, "/v1/api-keys", body, HttpStatusCode.BadRequest);
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        var (_, listed) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal(4, listed.GetArrayLength());
    }

    [Theory]
    [InlineData("""{"name":"k","expiresIn":"1h","expiration":"2h"}""", "expiresIn")]
    [InlineData("""{"name":"k","expiresIn":"an hour"}""", "expiresIn")]
    [InlineData("""{"name":"k","expires_in":"1h"}""", "expires_in")]
    [InlineData("""{"name":"k","ttl":3600}""", "ttl")]
    [InlineData("""{"name":"k","maxTTL":"1h"}""", "maxTTL")]
    [InlineData("""{"name":"k","ttlSeconds":3600}""", "ttlSeconds")]
    [InlineData("""{"name":"k","expiresAt":"2030-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"name":"k","Expiry":"1h"}""", "Expiry")]
    [InlineData("""{"name":"k","lifetime":"1h"}""", "lifetime")]
    [InlineData("""{"name":"k","valid_for":"1h"}""", "valid_for")]
    [InlineData("""{"name":"k","expirationDate":"2030-01-01T00:00:00Z"}""", "expirationDate")]
    public async Task A_lifetime_the_service_would_not_honour_is_400_naming_the_member(string body, string field)
    {
        var server = shared.Host;
        using var alice = server.CreateClient(SharedMaasTestHost.UniqueUser("alice"), "system:authenticated");
        var problem = await PostAsync(alice, "/v1/api-keys", body, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());

        // Nothing was created.
        var (_, listed) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal(0, listed.GetArrayLength());
    }

    [Fact]
    public async Task Unknown_members_that_name_no_lifetime_are_still_ignored()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        await CreateAsync(alice, """{"name":"k","throttle":1,"title":"t","battle":true,"settings":{"ttl":1}}""");
    }

    [Fact]
    public async Task Revoke_answers_200_with_the_revoked_key_and_a_second_revoke_or_a_missing_key_is_404()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var created = await CreateAsync(alice, """{"name":"test-revoke","labels":{"env":"e2e"}}""");
        var id = created.GetProperty("id").GetString()!;
        server.Clock.Advance(TimeSpan.FromSeconds(5));

        // test_revoke_api_key
        var (status, revoked) = await SendAsync(alice, HttpMethod.Delete, $"/v1/api-keys/{id}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(id, revoked.GetProperty("id").GetString());
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        Assert.Equal("test-revoke", revoked.GetProperty("name").GetString());
        Assert.Equal("e2e", revoked.GetProperty("labels").GetProperty("env").GetString());
        Assert.Equal("revoked", await StatusOfAsync(alice, id));

        // test_double_revoke_returns_404, test_revoke_nonexistent_key_returns_404
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(alice, HttpMethod.Delete, $"/v1/api-keys/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(alice, HttpMethod.Delete, "/v1/api-keys/00000000-0000-0000-0000-000000000000")).Status);

        // test_revoked_api_key_rejected, our way: 401 invalid_api_key, as OpenAI clients expect (theirs 403).
        using var withKey = server.CreateBearerClient(created.GetProperty("key").GetString()!);
        using var models = await withKey.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        Assert.Contains("invalid_api_key", await models.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_administrator_manages_other_users_keys_and_a_user_cannot_see_or_revoke_them()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);
        var aliceKey = (await CreateAsync(alice, """{"name":"user-key"}""")).GetProperty("id").GetString()!;
        var adminKey = (await CreateAsync(admin, """{"name":"admin-key"}""")).GetProperty("id").GetString()!;

        // test_admin_manage_other_users_keys
        var theirs = await PostAsync(admin, "/v1/api-keys/search", """{"filters":{"username":"alice"}}""", HttpStatusCode.OK);
        Assert.Equal([aliceKey], SearchIds(theirs));
        var (status, revoked) = await SendAsync(admin, HttpMethod.Delete, $"/v1/api-keys/{aliceKey}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("alice", revoked.GetProperty("username").GetString());
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());

        // test_non_admin_cannot_access_other_users_keys: 404, never 403.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(alice, HttpMethod.Get, $"/v1/api-keys/{adminKey}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(alice, HttpMethod.Delete, $"/v1/api-keys/{adminKey}")).Status);
        Assert.Equal("active", await StatusOfAsync(admin, adminKey));
    }

    [Fact]
    public async Task Bulk_revoke_scenarios_answer_as_the_later_service()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await CreateAsync(alice, $$"""{"name":"bulk-{{i}}","expiresIn":"1h"}""")).GetProperty("id").GetString()!);
        }

        // test_bulk_revoke_dry_run: counted, nothing revoked.
        var dry = await PostAsync(alice, "/v1/api-keys/bulk-revoke", """{"username":"alice","dryRun":true}""", HttpStatusCode.OK);
        Assert.Equal(3, dry.GetProperty("revokedCount").GetInt32());
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        foreach (var id in ids)
        {
            Assert.Equal("active", await StatusOfAsync(alice, id));
        }

        // test_bulk_revoke_other_user_forbidden, test_bulk_revoke_missing_scope_returns_400
        await PostAsync(bob, "/v1/api-keys/bulk-revoke", """{"username":"alice"}""", HttpStatusCode.Forbidden);
        await PostAsync(alice, "/v1/api-keys/bulk-revoke", "{}", HttpStatusCode.BadRequest);

        // test_bulk_revoke_own_keys
        var own = await PostAsync(alice, "/v1/api-keys/bulk-revoke", """{"username":"alice"}""", HttpStatusCode.OK);
        Assert.Equal(3, own.GetProperty("revokedCount").GetInt32());
        foreach (var id in ids)
        {
            Assert.Equal("revoked", await StatusOfAsync(alice, id));
        }

        // test_bulk_revoke_admin_can_revoke_any_user
        var bobKey = (await CreateAsync(bob, """{"name":"bob-key"}""")).GetProperty("id").GetString()!;
        var byAdmin = await PostAsync(admin, "/v1/api-keys/bulk-revoke", """{"username":"bob"}""", HttpStatusCode.OK);
        Assert.Equal(1, byAdmin.GetProperty("revokedCount").GetInt32());
        Assert.Equal("revoked", await StatusOfAsync(bob, bobKey));
    }

    [Fact]
    public async Task Labels_are_kept_and_searched_as_the_later_service_does()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var labelled = await CreateAsync(alice, """{"name":"labelled","labels":{"team":"ml","app.kubernetes.io/name":"maas"}}""");
        await CreateAsync(alice, """{"name":"plain"}""");
        Assert.Equal("ml", labelled.GetProperty("labels").GetProperty("team").GetString());
        var found = await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"labelsContain":{"team":"ml"}}}""", HttpStatusCode.OK);
        Assert.Equal([labelled.GetProperty("id").GetString()!], SearchIds(found));
    }

    [Fact]
    public async Task Ephemeral_keys_are_short_lived_hidden_unless_asked_for_and_cleaned_up_after_expiry()
    {
        // The background sweep is off here, so what the cleanup endpoint deletes is all it deletes.
        await using var server = await MaasTestHost.StartAsync(null, builder =>
        {
            builder.Configuration["Maas:Admins:Groups:0"] = ApiKeyAdministrationTests.AdminGroup;
            builder.Configuration["Maas:ApiKeys:Ephemeral:SweepInterval"] = "0s";
        });
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);

        // test_create_ephemeral_key: marked ephemeral, found with includeEphemeral, left out by default.
        var created = await CreateAsync(alice, """{"name":"e2e-ephemeral-cleanup-test","ephemeral":true,"expiresIn":"30m"}""");
        var id = created.GetProperty("id").GetString()!;
        Assert.True(created.GetProperty("ephemeral").GetBoolean());
        Assert.Equal(server.Clock.GetUtcNow().AddMinutes(30).ToUnixTimeSeconds(), created.GetProperty("expiresAt").GetInt64());
        var ordinary = (await CreateAsync(alice, """{"name":"ordinary"}""")).GetProperty("id").GetString()!;
        var withEphemeral = await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"status":["active"],"includeEphemeral":true}}""", HttpStatusCode.OK);
        Assert.Contains(id, SearchIds(withEphemeral));
        Assert.True(withEphemeral.GetProperty("data").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id).GetProperty("ephemeral").GetBoolean());
        var byDefault = await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"status":["active"]}}""", HttpStatusCode.OK);
        Assert.Equal([ordinary], SearchIds(byDefault));
        var (_, list) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal([ordinary], list.EnumerateArray().Select(k => k.GetProperty("id").GetString()!));
        var (_, record) = await SendAsync(alice, HttpMethod.Get, $"/v1/api-keys/{id}");
        Assert.True(record.GetProperty("ephemeral").GetBoolean());

        // No name: one is made up, and the lifetime is an hour. Beyond ephemeral_max_expiration: 400.
        var unnamed = await CreateAsync(alice, """{"ephemeral":true}""");
        Assert.StartsWith("ephemeral-", unnamed.GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal(server.Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds(), unnamed.GetProperty("expiresAt").GetInt64());
        var config = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys/config");
        Assert.Equal("24h0m0s", config.Body.GetProperty("ephemeral_max_expiration").GetString());
        await PostAsync(alice, "/v1/api-keys", """{"ephemeral":true,"expiresIn":"25h"}""", HttpStatusCode.BadRequest);

        // test_trigger_cleanup_preserves_active_keys: the internal cleanup keeps what has not expired;
        // here only an administrator may call it.
        await PostAsync(alice, "/internal/v1/api-keys/cleanup", "{}", HttpStatusCode.Forbidden);
        var kept = await PostAsync(admin, "/internal/v1/api-keys/cleanup", "{}", HttpStatusCode.OK);
        Assert.Equal(0, kept.GetProperty("deletedCount").GetInt64());
        Assert.Equal("active", await StatusOfAsync(alice, id));

        // 30 minutes after expiry (the later service's grace) the 30-minute key goes; the hour's key stays.
        server.Clock.Advance(TimeSpan.FromMinutes(60) + TimeSpan.FromSeconds(1));
        var cleaned = await PostAsync(admin, "/internal/v1/api-keys/cleanup", "{}", HttpStatusCode.OK);
        Assert.Equal(1, cleaned.GetProperty("deletedCount").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(alice, HttpMethod.Get, $"/v1/api-keys/{id}")).Status);
        Assert.Equal("expired", await StatusOfAsync(alice, unnamed.GetProperty("id").GetString()!));
        Assert.Equal("active", await StatusOfAsync(alice, ordinary));
    }

    [Fact]
    public async Task Subscription_binds_a_key_to_a_tier_its_owner_is_entitled_to_and_an_unknown_or_foreign_one_is_400_invalid_subscription()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var carol = server.CreateClient("carol", "system:authenticated", "premium-group");
        using var alice = server.CreateClient("alice", "system:authenticated");

        // test_create_api_key with a designated subscription: the answer and every read name it.
        var premium = await CreateAsync(carol, """{"name":"designated","subscription":"premium"}""");
        var id = premium.GetProperty("id").GetString()!;
        Assert.Equal("premium", premium.GetProperty("subscription").GetString());
        var (_, single) = await SendAsync(carol, HttpMethod.Get, $"/v1/api-keys/{id}");
        Assert.Equal("premium", single.GetProperty("subscription").GetString());
        var (_, listed) = await SendAsync(carol, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal("premium", listed.EnumerateArray().Single().GetProperty("subscription").GetString());
        var searched = await PostAsync(carol, "/v1/api-keys/search", "{}", HttpStatusCode.OK);
        Assert.Equal("premium", searched.GetProperty("data").EnumerateArray().Single().GetProperty("subscription").GetString());

        // A lower tier one is entitled to may be chosen too; none chosen: no subscription member at all.
        var free = await CreateAsync(carol, """{"name":"cheap","subscription":" free "}""");
        Assert.Equal("free", free.GetProperty("subscription").GetString());
        var highest = await CreateAsync(carol, """{"name":"highest"}""");
        Assert.False(highest.TryGetProperty("subscription", out _));

        // The key's own limits are bounded by the chosen tier (free: 5 requests a window; premium: 20).
        await PostAsync(carol, "/v1/api-keys", """{"name":"over","subscription":"free","limits":{"requests":10}}""", HttpStatusCode.BadRequest);
        await CreateAsync(carol, """{"name":"under","subscription":"premium","limits":{"requests":10}}""");

        // test_subscription: an unknown one, and another user's (a tier alice is not in), answer alike.
        foreach (var body in new[]
        {
            """{"name":"x","subscription":"premium"}""",
            """{"name":"x","subscription":"no-such-subscription"}""",
            """{"name":"x","subscription":"Premium"}""",
            """{"name":"x","subscription":"free\u0000"}""",
            $$"""{"name":"x","subscription":"{{new string('f', 254)}}"}""",
        })
        {
            var refused = await PostAsync(alice, "/v1/api-keys", body, HttpStatusCode.BadRequest);
            Assert.Equal("invalid_subscription", refused.GetProperty("code").GetString());
            Assert.Equal("subscription", refused.GetProperty("field").GetString());
            Assert.Contains("subscription", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var (_, nothing) = await SendAsync(alice, HttpMethod.Get, "/v1/api-keys");
        Assert.Equal(0, nothing.GetArrayLength());
    }

    [Fact]
    public async Task Search_and_bulk_revoke_by_subscription_answer_as_the_later_service()
    {
        await using var server = await ApiKeyAdministrationTests.StartAsync();
        using var carol = server.CreateClient("carol", "system:authenticated", "premium-group");
        using var dave = server.CreateClient("dave", "system:authenticated", "tier-premium-users");
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = ApiKeyAdministrationTests.Admin(server);
        var carolPremium = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            carolPremium.Add((await CreateAsync(carol, $$"""{"name":"sub-bulk-{{i}}","subscription":"premium"}""")).GetProperty("id").GetString()!);
        }

        var carolFree = (await CreateAsync(carol, """{"name":"free","subscription":"free"}""")).GetProperty("id").GetString()!;
        var carolUnbound = (await CreateAsync(carol, """{"name":"unbound"}""")).GetProperty("id").GetString()!;
        var davePremium = (await CreateAsync(dave, """{"name":"user2-key","subscription":"premium"}""")).GetProperty("id").GetString()!;

        // Search by subscription: over one's own keys for anyone, over others' for administrators only.
        var own = await PostAsync(carol, "/v1/api-keys/search", """{"filters":{"subscription":"premium"}}""", HttpStatusCode.OK);
        Assert.Equal(carolPremium.Order(StringComparer.Ordinal), SearchIds(own).Order(StringComparer.Ordinal));
        var aliceOwn = await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"subscription":"premium"}}""", HttpStatusCode.OK);
        Assert.Empty(SearchIds(aliceOwn));
        await PostAsync(alice, "/v1/api-keys/search", """{"filters":{"username":"carol","subscription":"premium"}}""", HttpStatusCode.Forbidden);
        var everyone = await PostAsync(admin, "/v1/api-keys/search", """{"filters":{"subscription":"premium"}}""", HttpStatusCode.OK);
        Assert.Equal([.. carolPremium.Append(davePremium).Order(StringComparer.Ordinal)], SearchIds(everyone).Order(StringComparer.Ordinal));
        var davesOnly = await PostAsync(admin, "/v1/api-keys/search", """{"filters":{"username":"dave","subscription":"premium"}}""", HttpStatusCode.OK);
        Assert.Equal([davePremium], SearchIds(davesOnly));

        // test_bulk_revoke_by_subscription_forbidden_for_non_admin: even over one's own keys.
        await PostAsync(carol, "/v1/api-keys/bulk-revoke", """{"subscription":"premium"}""", HttpStatusCode.Forbidden);
        await PostAsync(carol, "/v1/api-keys/bulk-revoke", """{"username":"carol","subscription":"premium"}""", HttpStatusCode.Forbidden);
        Assert.Equal("active", await StatusOfAsync(carol, carolPremium[0]));

        // test_bulk_revoke_dry_run_by_subscription: counted, nothing revoked.
        var dry = await PostAsync(admin, "/v1/api-keys/bulk-revoke", """{"subscription":"premium","dryRun":true}""", HttpStatusCode.OK);
        Assert.Equal(4, dry.GetProperty("revokedCount").GetInt32());
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal("Dry run: 4 active key(s) would be revoked for subscription premium", dry.GetProperty("message").GetString());
        Assert.Equal("active", await StatusOfAsync(dave, davePremium));

        // test_bulk_revoke_combined_user_and_subscription: carol's premium keys only; dave's stays active.
        var combined = await PostAsync(admin, "/v1/api-keys/bulk-revoke", """{"username":"carol","subscription":"premium"}""", HttpStatusCode.OK);
        Assert.Equal(3, combined.GetProperty("revokedCount").GetInt32());
        Assert.Equal("Successfully revoked 3 active API key(s) for user carol in subscription premium", combined.GetProperty("message").GetString());
        foreach (var id in carolPremium)
        {
            Assert.Equal("revoked", await StatusOfAsync(carol, id));
        }

        Assert.Equal("active", await StatusOfAsync(dave, davePremium));
        Assert.Equal("active", await StatusOfAsync(carol, carolFree));
        Assert.Equal("active", await StatusOfAsync(carol, carolUnbound));

        // test_bulk_revoke_by_subscription: every owner's; keys of other subscriptions and unbound keys stay.
        var all = await PostAsync(admin, "/v1/api-keys/bulk-revoke", """{"subscription":"premium"}""", HttpStatusCode.OK);
        Assert.Equal(1, all.GetProperty("revokedCount").GetInt32());
        Assert.Equal("revoked", await StatusOfAsync(dave, davePremium));
        Assert.Equal("active", await StatusOfAsync(carol, carolFree));
        Assert.Equal("active", await StatusOfAsync(carol, carolUnbound));
    }
}
