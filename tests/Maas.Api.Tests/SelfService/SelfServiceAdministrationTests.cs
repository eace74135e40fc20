using System.Net;
using System.Text.Json;
using Maas.Testing;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// The administrators' screens of <c>/keys</c> walked in a real headless Chromium: search anyone's
/// keys with filters, sort and cursor pages, revoke one of them, bulk revoke a user after the dry
/// run's count, read the audit trail of what was just done; and that nobody else reaches them.
/// </summary>
public sealed class SelfServiceAdministrationTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string AdminGroup = "maas-admins";

    private static Task<MaasApiServer> StartAsync() =>
        MaasApiServer.StartAsync(configure: builder => builder.Configuration["Maas:Admins:Groups:0"] = AdminGroup);

    private static HttpClient Admin(MaasApiServer server) => server.CreateClient("root", "system:authenticated", AdminGroup);

    [Fact]
    public async Task An_administrator_searches_anyones_keys_revokes_one_bulk_revokes_a_user_after_the_dry_run_count_and_reads_the_trail()
    {
        await using var server = await StartAsync();
        using var screenshots = new Screenshots();
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var carol = server.CreateClient("carol", "system:authenticated");
        using var root = Admin(server);
        var (laptopId, _) = await ApiKeyRequests.CreateAsync(bob, """{"name":"laptop","description":"Jupyter","labels":{"team":"ml"}}""");
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await ApiKeyRequests.CreateAsync(bob, """{"name":"ci"}""");
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        var (oldId, _) = await ApiKeyRequests.CreateAsync(bob, """{"name":"old"}""");
        Assert.Equal(HttpStatusCode.OK, (await bob.DeleteAsync("/v1/api-keys/" + oldId)).StatusCode);
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        await ApiKeyRequests.CreateAsync(bob, """{"name":"notebook"}""");
        var (carolsId, _) = await ApiKeyRequests.CreateAsync(carol, """{"name":"carol's"}""");

        await using var context = await NewContextAsync(chromium.Browser, server, "root", "system:authenticated", AdminGroup);
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        await Assertions.Expect(page.Locator("#admin-heading")).ToHaveTextAsync("Administration");
        await AssertAccessibleAsync(page, "administrator's list");

        // Search bob's keys: type his name, Enter.
        await page.GetByLabel("Search the keys of (username)").FillAsync("bob");
        var searched = await page.RunAndWaitForResponseAsync(() => page.GetByLabel("Search the keys of (username)").PressAsync("Enter"), r => r.Request.Method == "POST");
        Assert.Equal(200, searched.Status);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Search keys");
        await Assertions.Expect(page.Locator("#found tbody .key-name")).ToHaveTextAsync(new[] { "notebook", "old", "ci", "laptop" });
        Assert.All(await page.Locator("#found tbody tr td:first-child").AllTextContentsAsync(), owner => Assert.Equal("bob", owner));
        Assert.Equal("bob", await page.GetByLabel("Owner (username)").InputValueAsync());
        await AssertAccessibleAsync(page, "search");
        await screenshots.TakeAsync(page, "admin-search");

        // Active only, by name, two a page: the next page comes from the cursor.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "active" }).CheckAsync();
        await page.GetByLabel("Sort by").SelectOptionAsync("name");
        await page.GetByLabel("Order").SelectOptionAsync("asc");
        await page.GetByLabel("Keys per page").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search keys" }).ClickAsync();
        await Assertions.Expect(page.Locator("#found tbody .key-name")).ToHaveTextAsync(new[] { "ci", "laptop" });
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Next page of keys" }));
        await Assertions.Expect(page.Locator("#found caption")).ToContainTextAsync("A following page");
        await Assertions.Expect(page.Locator("#found tbody .key-name")).ToHaveTextAsync(new[] { "notebook" });
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Next page of keys" }).CountAsync());
        Assert.True(await page.GetByRole(AriaRole.Checkbox, new() { Name = "active" }).IsCheckedAsync());

        // A label narrows it to one key, which the administrator revokes in bob's name after confirming.
        await page.GetByLabel("Label").FillAsync("team=ml");
        await page.GetByLabel("Keys per page").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search keys" }).ClickAsync();
        await Assertions.Expect(page.Locator("#found tbody .key-name")).ToHaveTextAsync(new[] { "laptop" });
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Revoke “laptop” of bob" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Revoke the key “laptop”?");
        Assert.Contains("Ownerbob", (await page.Locator(".facts").TextContentAsync())!.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        await AssertAccessibleAsync(page, "administrator's revoke confirmation");
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Revoke the key" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Search keys");
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("“laptop” is revoked");
        Assert.Contains("revoked", await page.Locator("#found tbody tr", new() { HasText = "laptop" }).TextContentAsync(), StringComparison.Ordinal);
        using (var laptop = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys/" + laptopId)))
        {
            Assert.Equal("revoked", laptop.RootElement.GetProperty("status").GetString());
        }

        // Bulk revoke: the dry run's count first, nothing changed yet.
        await page.GotoAsync("/keys");
        await page.GetByLabel("Revoke every active key of (username)").FillAsync("bob");
        await page.GetByLabel("Revoke every active key of (username)").PressAsync("Enter");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Revoke the keys of bob?");
        await Assertions.Expect(page.Locator("#bulk-count")).ToHaveTextAsync("This will revoke 2 keys of bob.");
        using (var dryRun = await root.PostAsync("/v1/api-keys/bulk-revoke", MaasApiServer.Json("""{"username":"bob","dryRun":true}""")))
        using (var counted = JsonDocument.Parse(await dryRun.Content.ReadAsStringAsync()))
        {
            Assert.Equal(2, counted.RootElement.GetProperty("revokedCount").GetInt32());
        }

        await AssertAccessibleAsync(page, "bulk revoke confirmation");
        await screenshots.TakeAsync(page, "bulk-revoke-confirm");
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Revoke 2 keys" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Bulk revoke");
        await Assertions.Expect(page.Locator("#bulk-result")).ToHaveTextAsync("Revoked 2 keys of bob: they no longer work anywhere.");
        await AssertAccessibleAsync(page, "bulk revoked");
        await screenshots.TakeAsync(page, "bulk-revoked");
        using (var bobs = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys")))
        {
            Assert.All(bobs.RootElement.EnumerateArray(), key => Assert.Equal("revoked", key.GetProperty("status").GetString()));
        }

        using (var carols = JsonDocument.Parse(await carol.GetStringAsync("/v1/api-keys/" + carolsId)))
        {
            Assert.Equal("active", carols.RootElement.GetProperty("status").GetString());
        }

        // The trail shows what was just done, newest first, as GET /v1/audit has it.
        await page.GotoAsync("/keys");
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Read the audit trail" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Audit trail");
        using var trail = JsonDocument.Parse(await root.GetStringAsync("/v1/audit"));
        var entries = trail.RootElement.GetProperty("data").EnumerateArray().ToList();
        var rows = page.Locator("#audit tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(entries.Count);
        await Assertions.Expect(page.Locator("#audit tbody th")).ToHaveTextAsync(new[] { "bulk_revoke", "revoke", "create", "create", "revoke", "create", "create", "create" });
        var bulk = await rows.Nth(0).Locator("th, td").AllTextContentsAsync();
        Assert.Equal(["bulk_revoke", "root", "bob"], bulk.Skip(1).Take(3));
        Assert.Contains("2 keys", bulk[4], StringComparison.Ordinal);
        Assert.Equal(entries[0].GetProperty("request_id").GetString(), bulk[5].Trim());
        Assert.Equal("127.0.0.1", bulk[6]);
        var revoke = await rows.Nth(1).Locator("th, td").AllTextContentsAsync();
        Assert.Equal(["revoke", "root", "bob"], revoke.Skip(1).Take(3));
        Assert.Equal(laptopId, revoke[4].Trim());
        Assert.Equal(entries[1].GetProperty("request_id").GetString(), revoke[5].Trim());
        await AssertAccessibleAsync(page, "audit trail");
        await screenshots.TakeAsync(page, "audit-trail");

        // Filtered to the administrator's actions, one a page: the cursor reaches the second.
        await page.GetByLabel("Actor").FillAsync("root");
        await page.GetByLabel("Entries per page").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show the entries" }).ClickAsync();
        await Assertions.Expect(page.Locator("#audit tbody th")).ToHaveTextAsync(new[] { "bulk_revoke" });
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Next page of entries" }));
        await Assertions.Expect(page.Locator("#audit tbody th")).ToHaveTextAsync(new[] { "revoke" });
        Assert.Equal("root", await page.GetByLabel("Actor").InputValueAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Next page of entries" }).CountAsync());
        await AssertAccessibleAsync(page, "audit trail, last page");

        watch.AssertClean();
    }

    [Fact]
    public async Task Bad_filters_are_refused_with_400_next_to_their_fields_and_change_nothing()
    {
        await using var server = await StartAsync();
        using var bob = server.CreateClient("bob", "system:authenticated");
        await ApiKeyRequests.CreateAsync(bob, """{"name":"kept"}""");
        await using var context = await NewContextAsync(chromium.Browser, server, "root", "system:authenticated", AdminGroup);
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        await page.GetByRole(AriaRole.Button, new() { Name = "Search keys" }).ClickAsync();
        await page.GetByLabel("Label").FillAsync("team");
        var search = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Search keys" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, search.Status);
        await Assertions.Expect(page.Locator("#search-label-error")).ToContainTextAsync("key=value");
        Assert.Equal("true", await page.GetByLabel("Label").GetAttributeAsync("aria-invalid"));
        Assert.Equal("team", await page.GetByLabel("Label").InputValueAsync());
        await AssertAccessibleAsync(page, "refused search");

        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Read the audit trail" }).ClickAsync();
        await page.GetByLabel("Since").FillAsync("yesterday");
        var audit = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Show the entries" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, audit.Status);
        await Assertions.Expect(page.Locator("#audit-since-error")).ToContainTextAsync("since must be an RFC 3339 instant");
        Assert.Equal("true", await page.GetByLabel("Since").GetAttributeAsync("aria-invalid"));
        await AssertAccessibleAsync(page, "refused audit filter");
        watch.AssertClean("status of 400");

        // What the browser's own checks keep from being sent: an empty username, a page size of 0.
        using var root = Admin(server);
        var antiforgery = await AntiforgeryAsync(root);
        using (var empty = await PostAsync(root, "BulkRevoke", antiforgery, ("username", " ")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
            Assert.Contains("id=\"bulk-username-error\"", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var zero = await PostAsync(root, "Search", antiforgery, ("Search.Limit", "0")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
            Assert.Contains("id=\"search-limit-error\"", await zero.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var cursor = await PostAsync(root, "Audit", antiforgery, ("AuditFilter.Cursor", "not-a-cursor")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, cursor.StatusCode);
            Assert.Contains("not a cursor this server issued", await cursor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var keys = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys"));
        Assert.Equal("active", Assert.Single(keys.RootElement.EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Someone_not_an_administrator_sees_no_administration_and_gets_403_from_each_of_its_handlers_changing_nothing()
    {
        await using var server = await StartAsync();
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (bobsId, _) = await ApiKeyRequests.CreateAsync(bob, """{"name":"bobs"}""");
        using var alice = server.CreateClient("alice", "system:authenticated");
        var antiforgery = await AntiforgeryAsync(alice);
        Assert.DoesNotContain("Administration", await alice.GetStringAsync("/keys"), StringComparison.Ordinal);

        foreach (var (handler, fields) in new (string, (string, string)[])[]
        {
            ("Search", [("Search.Username", "bob")]),
            ("Search", []),
            ("BulkRevokePreview", [("username", "bob")]),
            ("BulkRevoke", [("username", "bob")]),
            ("Audit", []),
            ("Audit", [("AuditFilter.Subject", "bob")]),
        })
        {
            using var refused = await PostAsync(alice, handler, antiforgery, fields);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{handler}: {(int)refused.StatusCode}");
            Assert.Contains("Administrators only", body, StringComparison.Ordinal);
            Assert.DoesNotContain(bobsId, body, StringComparison.Ordinal);
        }

        // Nor may she rotate bob's key, or her own bulk revoke reach his: his key is untouched.
        using (var rotate = await PostAsync(alice, "Rotate", antiforgery, ("id", bobsId), ("grace", "0s")))
        {
            Assert.Equal(HttpStatusCode.NotFound, rotate.StatusCode);
        }

        using (var keys = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys")))
        {
            var only = Assert.Single(keys.RootElement.EnumerateArray());
            Assert.Equal("active", only.GetProperty("status").GetString());
        }

        using var root = Admin(server);
        using (var trail = JsonDocument.Parse(await root.GetStringAsync("/v1/audit")))
        {
            Assert.Equal(["create"], trail.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        }

        // The same posts by an administrator go through: the refusals were the rule's doing.
        var rootsAntiforgery = await AntiforgeryAsync(root);
        using (var preview = await PostAsync(root, "BulkRevokePreview", rootsAntiforgery, ("username", "bob")))
        {
            Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            Assert.Contains("This will revoke 1 key of bob.", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_rotation_search_or_bulk_revocation_posted_without_its_anti_forgery_token_changes_nothing()
    {
        await using var server = await StartAsync();
        using var bob = server.CreateClient("bob", "system:authenticated");
        var (bobsId, _) = await ApiKeyRequests.CreateAsync(bob, """{"name":"kept"}""");
        using var root = Admin(server);

        using (var rotate = await PostAsync(bob, "Rotate", null, ("id", bobsId), ("grace", "0s")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rotate.StatusCode);
        }

        foreach (var handler in new[] { "BulkRevoke", "BulkRevokePreview", "Search", "Audit" })
        {
            using var forged = await PostAsync(root, handler, null, ("username", "bob"));
            Assert.True(forged.StatusCode == HttpStatusCode.BadRequest, $"{handler}: {(int)forged.StatusCode}");
        }

        // Bob's token, sent with the administrator's identity: refused too (the token names its user).
        var bobsAntiforgery = await AntiforgeryAsync(bob);
        using (var stolen = await PostAsync(root, "BulkRevoke", bobsAntiforgery, ("username", "bob")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        }

        using (var keys = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys")))
        {
            var only = Assert.Single(keys.RootElement.EnumerateArray());
            Assert.Equal("active", only.GetProperty("status").GetString());
        }

        // With their own tokens both go through: the refusals above were the token's doing.
        using (var rotated = await PostAsync(bob, "Rotate", bobsAntiforgery, ("id", bobsId), ("grace", "0s")))
        {
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            Assert.Contains("The new key replacing “kept”", System.Net.WebUtility.HtmlDecode(await rotated.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        using (var revoked = await PostAsync(root, "BulkRevoke", await AntiforgeryAsync(root), ("username", "bob")))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.Contains("Revoked 1 key of bob", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
