using System.Net;
using System.Text.Json;
using Maas.Testing;
using static Maas.Testing.ApiKeyRequests;

namespace Maas.Hosting.AspNetCore.Tests.ApiKeys;

/// <summary>
/// Issue 12's key endpoints on the in-memory store through the minimal test host: search (owner isolation,
/// admin rules, every filter and sort, pagination boundaries, cursor), labels, admin reads and
/// revokes, bulk revoke and the config. The bad-input theories share one host, each case as a user of its own.
/// </summary>
public sealed class ApiKeyAdministrationTests(AdministeredMaasTestHost shared) : IClassFixture<AdministeredMaasTestHost>
{
    internal const string AdminGroup = AuditRequests.AdminGroup;

    internal static Task<MaasTestHost> StartAsync(MaasTestStore? store = null) =>
        MaasTestHost.StartAsync(store, AuditRequests.Administrators);

    internal static HttpClient Admin(MaasTestHost server) => server.CreateClient("root", "system:authenticated", AdminGroup);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("error").GetString()));
        if (field is not null)
        {
            Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task A_user_searches_only_their_own_keys_and_naming_another_user_is_403()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (_, aliceKey) = await CreateAsync(alice, """{"name":"alice-1"}""");
        await CreateAsync(alice, """{"name":"alice-2"}""");
        await CreateAsync(bob, """{"name":"bob-1"}""");

        using var own = await SearchAsync(alice, "{}");
        Assert.Equal(["alice-1", "alice-2"], Names(own).Order());
        Assert.All(own.RootElement.GetProperty("data").EnumerateArray(), k => Assert.Equal("alice", k.GetProperty("username").GetString()));
        using var named = await SearchAsync(alice, """{"filters":{"username":"alice"}}""");
        Assert.Equal(2, Names(named).Length);
        using var empty = await SearchAsync(alice, """{"filters":{"username":""}}""");
        Assert.Equal(2, Names(empty).Length);

        using var other = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"filters":{"username":"bob"}}"""));
        await AssertProblemAsync(other, HttpStatusCode.Forbidden, null);

        // An empty body is the default search; a key (read policy) searches its owner's keys too.
        using var noBody = await alice.PostAsync("/v1/api-keys/search", null);
        Assert.Equal(HttpStatusCode.OK, noBody.StatusCode);
        using var withKey = server.CreateBearerClient(aliceKey);
        using var byKey = await SearchAsync(withKey, "{}");
        Assert.Equal(["alice-1", "alice-2"], Names(byKey).Order());
        using var anonymous = server.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/api-keys/search", MaasTestHost.Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task An_admin_searches_one_user_or_everyone_and_reads_and_revokes_anyones_key_while_others_get_404()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var mallory = server.CreateClient("mallory", "system:authenticated");
        using var admin = Admin(server);
        var (bobId, bobKey) = await CreateAsync(bob, """{"name":"bob-1","labels":{"env":"prod"}}""");
        await CreateAsync(alice, """{"name":"alice-1"}""");

        using var bobs = await SearchAsync(admin, """{"filters":{"username":"bob"}}""");
        Assert.Equal([bobId], Ids(bobs));
        using var everyone = await SearchAsync(admin, "{}");
        Assert.Equal(["alice", "bob"], everyone.RootElement.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("username").GetString()).Order());

        using var read = JsonDocument.Parse(await admin.GetStringAsync($"/v1/api-keys/{bobId}"));
        Assert.Equal("bob-1", read.RootElement.GetProperty("name").GetString());
        Assert.Equal("prod", read.RootElement.GetProperty("labels").GetProperty("env").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.GetAsync($"/v1/api-keys/{bobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.DeleteAsync($"/v1/api-keys/{bobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/api-keys/0000000000000000A")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/v1/api-keys/0000000000000000A")).StatusCode);

        using var withKey = server.CreateBearerClient(bobKey);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/v1/api-keys/{bobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var seenByBob = JsonDocument.Parse(await bob.GetStringAsync($"/v1/api-keys/{bobId}"));
        Assert.Equal("revoked", seenByBob.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_administrators_api_key_is_403_saying_why_for_administrator_actions_while_its_own_keys_and_live_sign_ins_keep_working()
    {
        await using var server = await StartAsync();
        using var admin = Admin(server);
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (bobId, _) = await CreateAsync(bob, """{"name":"bob-1"}""");
        var (rootId, rootKey) = await CreateAsync(admin, """{"name":"root-1"}""");

        // The key's groups (maas-admins) were fixed when root created it; root may have left the group since.
        using var withKey = server.CreateBearerClient(rootKey);
        await AssertLiveSignInNeededAsync(await withKey.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"filters":{"username":"bob"}}""")));
        await AssertLiveSignInNeededAsync(await withKey.GetAsync($"/v1/api-keys/{bobId}"));
        await AssertLiveSignInNeededAsync(await withKey.GetAsync("/v1/audit"));
        using (var own = await SearchAsync(withKey, "{}"))
        {
            Assert.Equal([rootId], Ids(own));
        }

        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync($"/v1/api-keys/{rootId}")).StatusCode);

        // Signed in live (the gateway's headers) or with a Maas token (groups at most its lifetime old), root administers.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/audit")).StatusCode);
        using var issued = await admin.PostAsync("/v1/tokens", MaasTestHost.Json("""{"expiration":"1h"}"""));
        using var token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        using var withToken = server.CreateBearerClient(token.RootElement.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync($"/v1/api-keys/{bobId}")).StatusCode);
    }

    private static async Task AssertLiveSignInNeededAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {text}");
            using var problem = JsonDocument.Parse(text);
            var error = problem.RootElement.GetProperty("error").GetString()!;
            Assert.Contains("need a live sign-in", error, StringComparison.Ordinal);
            Assert.Contains("an API key's groups are fixed when it is created", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Search_filters_by_every_status_and_by_labels()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        await CreateAsync(alice, """{"name":"prod-ml","labels":{"env":"prod","team":"ml"}}""");
        await CreateAsync(alice, """{"name":"prod","labels":{"env":"prod"}}""");
        var (revokedId, _) = await CreateAsync(alice, """{"name":"revoked","labels":{"env":"prod"}}""");
        await CreateAsync(alice, """{"name":"short","expiration":"10m"}""");
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{revokedId}")).StatusCode);
        server.Clock.Advance(TimeSpan.FromMinutes(11));

        async Task<string[]> NamesAsync(string json)
        {
            using var list = await SearchAsync(alice, json);
            return [.. Names(list).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["prod", "prod-ml"], await NamesAsync("""{"filters":{"status":["active"]}}"""));
        Assert.Equal(["revoked"], await NamesAsync("""{"filters":{"status":["revoked"]}}"""));
        Assert.Equal(["short"], await NamesAsync("""{"filters":{"status":[" expired "]}}"""));
        Assert.Equal(["revoked", "short"], await NamesAsync("""{"filters":{"status":["expired","revoked"]}}"""));
        Assert.Equal(["prod", "prod-ml", "revoked", "short"], await NamesAsync("""{"filters":{"status":[]}}"""));
        Assert.Equal(["prod", "prod-ml", "revoked"], await NamesAsync("""{"filters":{"labelsContain":{"env":"prod"}}}"""));
        Assert.Equal(["prod-ml"], await NamesAsync("""{"filters":{"labelsContain":{"env":"prod","team":"ml"}}}"""));
        Assert.Equal(["prod", "prod-ml"], await NamesAsync("""{"filters":{"status":["active"],"labelsContain":{"env":"prod"}}}"""));
        Assert.Empty(await NamesAsync("""{"filters":{"labelsContain":{"env":"dev"}}}"""));
        Assert.Equal(4, (await NamesAsync("""{"filters":{"includeEphemeral":true}}""")).Length);
    }

    [Theory]
    [InlineData("created_at", "desc", new[] { "c", "b", "a" })]
    [InlineData("created_at", "asc", new[] { "a", "b", "c" })]
    [InlineData("expires_at", "asc", new[] { "b", "c", "a" })]
    [InlineData("expires_at", "DESC", new[] { "a", "c", "b" })]
    [InlineData("last_used_at", "desc", new[] { "c", "a", "b" })]
    [InlineData("last_used_at", "asc", new[] { "a", "c", "b" })]
    [InlineData("name", "asc", new[] { "a", "b", "c" })]
    [InlineData("name", "desc", new[] { "c", "b", "a" })]
    public async Task Search_sorts_by_every_field_in_both_orders(string by, string order, string[] expected)
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (_, a) = await CreateAsync(alice, """{"name":"a","expiration":"72h"}""");
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await CreateAsync(alice, """{"name":"b","expiration":"24h"}""");
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        var (_, c) = await CreateAsync(alice, """{"name":"c","expiration":"48h"}""");

        // a used first, c later, b never: never-used keys come last either way.
        using (var withA = server.CreateBearerClient(a))
        {
            Assert.Equal(HttpStatusCode.OK, (await withA.GetAsync("/v1/models")).StatusCode);
        }

        server.Clock.Advance(TimeSpan.FromMinutes(1));
        using (var withC = server.CreateBearerClient(c))
        {
            Assert.Equal(HttpStatusCode.OK, (await withC.GetAsync("/v1/models")).StatusCode);
        }

        server.Clock.Advance(TimeSpan.FromSeconds(10)); // the usage flush interval: last uses are written
        using var list = await SearchAsync(alice, $$$$"""{"sort":{"by":"{{{{by}}}}","order":"{{{{order}}}}"}}""");
        Assert.Equal(expected, Names(list));
    }

    [Fact]
    public async Task Pagination_limits_offsets_and_has_more_hold_at_every_boundary()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        for (var i = 0; i < 105; i++)
        {
            await CreateAsync(alice, $$"""{"name":"k{{i:D3}}"}""");
            server.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        using var zero = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"pagination":{"limit":0}}"""));
        await AssertProblemAsync(zero, HttpStatusCode.BadRequest, "pagination.limit");
        using var negative = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json("""{"pagination":{"offset":-1}}"""));
        await AssertProblemAsync(negative, HttpStatusCode.BadRequest, "pagination.offset");

        using var one = await SearchAsync(alice, """{"pagination":{"limit":1}}""");
        Assert.Equal(["k104"], Names(one));
        Assert.True(one.RootElement.GetProperty("has_more").GetBoolean());
        using var defaults = await SearchAsync(alice, "{}");
        Assert.Equal(50, Names(defaults).Length);
        using var hundred = await SearchAsync(alice, """{"pagination":{"limit":100}}""");
        Assert.Equal(100, Names(hundred).Length);
        Assert.True(hundred.RootElement.GetProperty("has_more").GetBoolean());
        using var capped = await SearchAsync(alice, """{"pagination":{"limit":101}}""");
        Assert.Equal(Names(hundred), Names(capped));
        using var rest = await SearchAsync(alice, """{"pagination":{"limit":100,"offset":100}}""");
        Assert.Equal(["k004", "k003", "k002", "k001", "k000"], Names(rest));
        Assert.False(rest.RootElement.GetProperty("has_more").GetBoolean());
        Assert.False(rest.RootElement.TryGetProperty("next_cursor", out _));
        using var exact = await SearchAsync(alice, """{"pagination":{"limit":5,"offset":100}}""");
        Assert.False(exact.RootElement.GetProperty("has_more").GetBoolean());
        using var past = await SearchAsync(alice, """{"pagination":{"limit":10,"offset":1000}}""");
        Assert.Empty(Names(past));
        Assert.False(past.RootElement.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("created_at", "desc")]
    [InlineData("name", "asc")]
    [InlineData("expires_at", "asc")]
    [InlineData("last_used_at", "desc")]
    public async Task Cursor_walks_every_page_without_duplicates_or_gaps_while_keys_are_added(string by, string order)
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var original = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            // Names sort against creation order; lifetimes repeat, so expiry instants tie only across equal creation instants.
            original.Add((await CreateAsync(alice, $$"""{"name":"n{{(i * 7) % 23:D2}}","expiration":"{{24 + (i % 3)}}h"}""")).Id);
            server.Clock.Advance(TimeSpan.FromSeconds(i % 2));
        }

        using var all = await SearchAsync(alice, $$$$"""{"sort":{"by":"{{{{by}}}}","order":"{{{{order}}}}"},"pagination":{"limit":100}}""");
        var expected = Ids(all);
        Assert.Equal(original.Order(StringComparer.Ordinal), expected.Order(StringComparer.Ordinal));

        var walked = new List<string>();
        string? cursor = null;
        var ended = false;
        for (var page = 0; page < 20 && !ended; page++)
        {
            var pagination = cursor is null ? """{"limit":5}""" : $$"""{"limit":5,"cursor":"{{cursor}}"}""";
            using var list = await SearchAsync(alice, $$$$"""{"sort":{"by":"{{{{by}}}}","order":"{{{{order}}}}"},"pagination":{{{{pagination}}}},"filters":{"labelsContain":{}}}""");
            walked.AddRange(Ids(list));

            // A key added between pages lands before the cursor or after every original key:
            // it may show up at the end, but never shifts, repeats or hides an original key.
            server.Clock.Advance(TimeSpan.FromHours(1));
            await CreateAsync(alice, $$"""{"name":"{{(order == "asc" ? "z" : "a")}}-added-{{page}}","expiration":"{{(order == "asc" ? "720h" : "24h")}}"}""");
            if (!list.RootElement.GetProperty("has_more").GetBoolean())
            {
                Assert.False(list.RootElement.TryGetProperty("next_cursor", out _));
                ended = true;
                continue;
            }

            cursor = list.RootElement.GetProperty("next_cursor").GetString();
            Assert.DoesNotContain("sk-maas-", cursor, StringComparison.Ordinal);
        }

        Assert.True(ended, "the cursor walk did not reach the last page");
        Assert.Equal(walked.Count, walked.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected, walked.Where(original.Contains));
    }

    [Theory]
    [InlineData("""{"filters":{"status":["gone"]}}""", "filters.status")]
    [InlineData("""{"filters":{"status":"active"}}""", "filters.status")]
    [InlineData("""{"filters":{"subscription":"pre\u0001mium"}}""", "filters.subscription")]
    [InlineData("""{"filters":{"labelsContain":{"env":1}}}""", "filters.labelsContain.env")]
    [InlineData("""{"filters":{"labelsContain":{"bad key":"x"}}}""", "filters.labelsContain")]
    [InlineData("""{"sort":{"by":"owner"}}""", "sort.by")]
    [InlineData("""{"sort":{"by":"name","order":"up"}}""", "sort.order")]
    [InlineData("""{"pagination":{"limit":"ten"}}""", "pagination.limit")]
    [InlineData("""{"pagination":{"limit":1e40}}""", "pagination.limit")]
    [InlineData("""{"pagination":{"cursor":"not a cursor"}}""", "pagination.cursor")]
    [InlineData("""{"pagination":{"cursor":"eyJzIjoibmFtZSJ9"}}""", "pagination.cursor")]
    [InlineData("""{"pagination":{"cursor":"W10"}}""", "pagination.cursor")]
    [InlineData("""{"pagination":{"cursor":""}}""", "pagination.cursor")]
    [InlineData("""{"filters":{"username":"x\u0000y"}}""", null)]
    [InlineData("""{"filters":""", null)]
    [InlineData("""[]""", null)]
    public async Task Bad_search_input_is_a_clear_400_never_a_500(string json, string? field)
    {
        var server = shared.Host;
        using var admin = Admin(server);
        using var response = await admin.PostAsync("/v1/api-keys/search", MaasTestHost.Json(json));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_cursor_of_another_sort_or_with_an_offset_is_a_400()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        await CreateAsync(alice, """{"name":"a"}""");
        await CreateAsync(alice, """{"name":"b"}""");
        using var first = await SearchAsync(alice, """{"pagination":{"limit":1}}""");
        var cursor = first.RootElement.GetProperty("next_cursor").GetString();

        using var otherSort = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json($$$$"""{"sort":{"by":"name"},"pagination":{"limit":1,"cursor":"{{{{cursor}}}}"}}"""));
        await AssertProblemAsync(otherSort, HttpStatusCode.BadRequest, "pagination.cursor");
        using var otherOrder = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json($$$$"""{"sort":{"order":"asc"},"pagination":{"limit":1,"cursor":"{{{{cursor}}}}"}}"""));
        await AssertProblemAsync(otherOrder, HttpStatusCode.BadRequest, "pagination.cursor");
        using var withOffset = await alice.PostAsync("/v1/api-keys/search", MaasTestHost.Json($$$$"""{"pagination":{"limit":1,"offset":1,"cursor":"{{{{cursor}}}}"}}"""));
        await AssertProblemAsync(withOffset, HttpStatusCode.BadRequest, "pagination.offset");
        using var second = await SearchAsync(alice, $$$$"""{"pagination":{"limit":1,"cursor":"{{{{cursor}}}}"}}""");
        // Both keys may share their creation instant (ties go by id), so the cursor's page is "the other one".
        Assert.Equal(["a", "b"], Names(first).Concat(Names(second)).Order());
    }

    [Fact]
    public async Task Labels_given_at_creation_are_returned_wherever_the_key_is()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"labelled","labels":{"env":"prod","example.com/team":"ml ✓"}}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        Assert.Equal("ml ✓", body.RootElement.GetProperty("labels").GetProperty("example.com/team").GetString());
        var id = body.RootElement.GetProperty("jti").GetString()!;
        var (plainId, _) = await CreateAsync(alice, """{"name":"plain"}""");

        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        var listed = list.RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("id").GetString()!);
        Assert.Equal("prod", listed[id].GetProperty("labels").GetProperty("env").GetString());
        Assert.False(listed[plainId].TryGetProperty("labels", out _));
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal(2, single.RootElement.GetProperty("labels").EnumerateObject().Count());
        using var found = await SearchAsync(alice, """{"filters":{"labelsContain":{"example.com/team":"ml ✓"}}}""");
        Assert.Equal("prod", Assert.Single(found.RootElement.GetProperty("data").EnumerateArray()).GetProperty("labels").GetProperty("env").GetString());
    }

    public static TheoryData<string, string> BadLabels() => new()
    {
        { "{" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"k{i}\":\"v\"")) + "}", "labels" },
        { $$"""{"{{new string('k', 129)}}":"v"}""", "labels" },
        { $$"""{"k":"{{new string('v', 1025)}}"}""", "labels.k" },
        { """{"k":1}""", "labels.k" },
        { """{"k":null}""", "labels.k" },
        { """{"k":{"nested":"x"}}""", "labels.k" },
        { """{"":"v"}""", "labels" },
        { """{"-k":"v"}""", "labels" },
        { """{"k":""}""", "labels.k" },
        { """{"k":"a\u0000b"}""", "labels.k" },
        { """{"k":"a\ud800b"}""", "labels.k" },
        { """{"k":"line\nbreak"}""", "labels.k" },
        { "[\"k\"]", "labels" },
    };

    [Theory]
    [MemberData(nameof(BadLabels))]
    public async Task Labels_over_the_limits_or_malformed_are_a_400_naming_the_field(string labels, string field)
    {
        var server = shared.Host;
        using var alice = server.CreateClient(SharedMaasTestHost.UniqueUser("alice"), "system:authenticated");
        using var response = await alice.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"x","labels":{{labels}}}"""));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Equal("[]", await alice.GetStringAsync("/v1/api-keys"));
    }

    [Fact]
    public async Task Labels_at_the_limits_are_accepted()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var labels = "{" + string.Join(",", Enumerable.Range(0, 49).Select(i => $"\"k{i}\":\"v\"")) + $",\"{new string('k', 128)}\":\"{new string('v', 1024)}\"" + "}";
        var (id, _) = await CreateAsync(alice, $$"""{"name":"x","labels":{{labels}}}""");
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{id}"));
        Assert.Equal(50, single.RootElement.GetProperty("labels").EnumerateObject().Count());
    }

    [Fact]
    public async Task Bulk_revoke_dry_run_counts_exactly_what_the_real_run_revokes_and_leaves_tokens_alone()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        var keys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            keys.Add((await CreateAsync(alice, $$"""{"name":"active-{{i}}"}""")).Key);
        }

        var (revokedId, _) = await CreateAsync(alice, """{"name":"revoked"}""");
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{revokedId}")).StatusCode);
        await CreateAsync(alice, """{"name":"expired","expiration":"10m"}""");
        var (_, bobKey) = await CreateAsync(bob, """{"name":"bobs"}""");
        using var tokenResponse = await alice.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        using var tokenBody = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        using var withToken = server.CreateBearerClient(tokenBody.RootElement.GetProperty("token").GetString()!);
        server.Clock.Advance(TimeSpan.FromMinutes(11));

        using var dry = JsonDocument.Parse(await (await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice","dryRun":true}"""))).Content.ReadAsStringAsync());
        Assert.Equal(3, dry.RootElement.GetProperty("revokedCount").GetInt32());
        Assert.True(dry.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal("Dry run: 3 active key(s) would be revoked for user alice", dry.RootElement.GetProperty("message").GetString());
        foreach (var key in keys)
        {
            using var withKey = server.CreateBearerClient(key);
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        using var real = await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice"}"""));
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        using var realBody = JsonDocument.Parse(await real.Content.ReadAsStringAsync());
        Assert.Equal(dry.RootElement.GetProperty("revokedCount").GetInt32(), realBody.RootElement.GetProperty("revokedCount").GetInt32());
        Assert.False(realBody.RootElement.GetProperty("dryRun").GetBoolean());
        Assert.Equal("Successfully revoked 3 active API key(s) for user alice", realBody.RootElement.GetProperty("message").GetString());
        foreach (var key in keys)
        {
            using var withKey = server.CreateBearerClient(key);
            Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        // Tokens are DELETE /v1/tokens's business; another user's keys are untouched.
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/models")).StatusCode);
        using var withBobKey = server.CreateBearerClient(bobKey);
        Assert.Equal(HttpStatusCode.OK, (await withBobKey.GetAsync("/v1/models")).StatusCode);
        using var again = JsonDocument.Parse(await (await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"alice","dryRun":true}"""))).Content.ReadAsStringAsync());
        Assert.Equal(0, again.RootElement.GetProperty("revokedCount").GetInt32());
    }

    [Fact]
    public async Task Bulk_revoke_of_another_user_needs_an_admin_and_a_username()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var admin = Admin(server);
        var (bobId, bobKey) = await CreateAsync(bob, """{"name":"bobs"}""");

        using var forbidden = await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"bob"}"""));
        await AssertProblemAsync(forbidden, HttpStatusCode.Forbidden, null);
        using var missing = await alice.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"dryRun":true}"""));
        await AssertProblemAsync(missing, HttpStatusCode.BadRequest, "username");
        using var blank = await admin.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"  "}"""));
        await AssertProblemAsync(blank, HttpStatusCode.BadRequest, "username");
        using var subscription = await admin.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"subscription":"pre\u0000mium"}"""));
        await AssertProblemAsync(subscription, HttpStatusCode.BadRequest, "subscription");
        using var noBody = await admin.PostAsync("/v1/api-keys/bulk-revoke", null);
        await AssertProblemAsync(noBody, HttpStatusCode.BadRequest, null);
        using var withKey = server.CreateBearerClient(bobKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"bob"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);

        using var done = JsonDocument.Parse(await (await admin.PostAsync("/v1/api-keys/bulk-revoke", MaasTestHost.Json("""{"username":"bob"}"""))).Content.ReadAsStringAsync());
        Assert.Equal(1, done.RootElement.GetProperty("revokedCount").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var seen = JsonDocument.Parse(await bob.GetStringAsync($"/v1/api-keys/{bobId}"));
        Assert.Equal("revoked", seen.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Config_answers_the_lifetime_limits_in_the_go_services_shape()
    {
        await using (var server = await StartAsync())
        {
            using var alice = server.CreateClient("alice", "system:authenticated");
            using var config = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys/config"));
            Assert.Equal(365, config.RootElement.GetProperty("max_expiration_days").GetInt64());
            Assert.Equal("24h0m0s", config.RootElement.GetProperty("ephemeral_max_expiration").GetString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await server.CreateClient().GetAsync("/v1/api-keys/config")).StatusCode);
        }

        await using var configured = await MaasTestHost.StartAsync(configure: builder =>
        {
            builder.Configuration["Maas:ApiKeys:Maximum"] = "2171h";
            builder.Configuration["Maas:Tokens:Maximum"] = "1h";
            builder.Configuration["Maas:Tokens:Default"] = "30m";
        });
        using var bob = configured.CreateClient("bob", "system:authenticated");
        using var limits = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys/config"));
        Assert.Equal(90, limits.RootElement.GetProperty("max_expiration_days").GetInt64());
        Assert.Equal("1h0m0s", limits.RootElement.GetProperty("ephemeral_max_expiration").GetString());
    }

    [Fact]
    public async Task A_rotated_key_keeps_its_labels_and_the_rotation_answer_shows_them_as_creation_does()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var (id, _) = await CreateAsync(alice, """{"name":"ci","labels":{"team":"search","env":"prod"}}""");

        using var rotated = await alice.PostAsync($"/v1/api-keys/{id}/rotate", MaasTestHost.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        using var answer = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync());
        var labels = answer.RootElement.GetProperty("labels");
        Assert.Equal("search", labels.GetProperty("team").GetString());
        Assert.Equal("prod", labels.GetProperty("env").GetString());
        var newId = answer.RootElement.GetProperty("jti").GetString();
        using var stored = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{newId}"));
        Assert.Equal("search", stored.RootElement.GetProperty("labels").GetProperty("team").GetString());
    }
}
