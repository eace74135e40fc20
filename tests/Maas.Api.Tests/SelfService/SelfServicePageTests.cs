using System.Net;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// The self-service page at <c>/keys</c> walked in a real headless Chromium as a person behind the
/// gateway: every screen passes axe, no console error or CSP violation happens, the new key is
/// shown once and never reaches a URL, and the screenshots in <c>docs/screenshots/</c> come from here.
/// </summary>
public sealed class SelfServicePageTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string Model = "facebook/opt-125m";

    [Fact]
    public async Task A_person_creates_copies_uses_and_revokes_a_key_and_sees_their_usage()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var screenshots = new Screenshots();
        await using var context = await NewContextAsync(server, "alice", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();

        var first = await page.GotoAsync("/keys");
        Assert.Equal(200, first!.Status);
        Assert.Equal("Your API keys", await page.Locator("h1").TextContentAsync());
        Assert.Contains("You have no API keys yet.", await page.Locator("main").TextContentAsync(), StringComparison.Ordinal);
        await AssertAccessibleAsync(page, "empty list");

        // Create a key with the keyboard: labelled fields, Enter submits.
        await page.GetByLabel("Name").FillAsync("notebook");
        await page.GetByLabel("Description").FillAsync("Jupyter on my laptop");
        await page.GetByLabel("Lifetime").FillAsync("720h");
        var created = await page.RunAndWaitForResponseAsync(() => page.GetByLabel("Lifetime").PressAsync("Enter"), r => r.Request.Method == "POST");
        Assert.Equal(200, created.Status);
        Assert.Contains("no-store", (await created.AllHeadersAsync())["cache-control"], StringComparison.Ordinal);
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);

        // The copy button is the next stop of the keyboard after the key (which has the focus) and fills the clipboard.
        Assert.Equal("new-key", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Copy the key", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#copy-status")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(key, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await AssertAccessibleAsync(page, "key created");
        await screenshots.TakeAsync(page, "key-created");

        // The key works: it lists the models and calls one through the gateway.
        using (var withKey = server.CreateBearerClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
            using var call = await withKey.PostAsync("/llm/facebook-opt-125m-simulated/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"Hello"}]}"""));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
            using var usage = JsonDocument.Parse(await withKey.GetStringAsync("/v1/usage"));
            var tokensUsed = usage.RootElement.GetProperty("tokens").GetProperty("used").GetInt64();
            Assert.True(tokensUsed > 0);

            // The usage recorder writes last use on its interval (10 s); the page then shows it with the gateway's counts.
            var usedAt = server.Clock.GetUtcNow();
            server.Clock.Advance(TimeSpan.FromSeconds(10));
            await page.GotoAsync("/keys");
            Assert.Equal(new[] { "Requests", "5 per 2 minutes", "1", "4" }, (await page.Locator("#usage tbody tr").Nth(0).Locator("th, td").AllTextContentsAsync()).Take(4));
            Assert.Equal(new[] { "LLM tokens", "100 per minute", tokensUsed.ToString(System.Globalization.CultureInfo.InvariantCulture) }, (await page.Locator("#usage tbody tr").Nth(1).Locator("th, td").AllTextContentsAsync()).Take(3));
            var row = page.Locator("#keys tbody tr", new() { HasText = "notebook" });
            Assert.Contains("active", await row.TextContentAsync(), StringComparison.Ordinal);
            Assert.Contains(Maas.SelfService.Pages.Display.Show(usedAt), await row.Locator("td").Nth(3).TextContentAsync(), StringComparison.Ordinal);
        }

        // A second key for the list, then revoke the first with its confirmation step.
        await page.GetByLabel("Name").FillAsync("batch jobs");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        Assert.StartsWith("sk-maas-", await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync(), StringComparison.Ordinal);
        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke “notebook”" }).ClickAsync();
        Assert.Equal("Revoke the key “notebook”?", await page.Locator("h1").TextContentAsync());
        await AssertAccessibleAsync(page, "revoke confirmation");
        await screenshots.TakeAsync(page, "revoke-confirm");
        using (var withKey = server.CreateBearerClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode); // not revoked before confirming
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke the key" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("is revoked");
        Assert.Contains("revoked", await page.Locator("#keys tbody tr", new() { HasText = "notebook" }).TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("active", await page.Locator("#keys tbody tr", new() { HasText = "batch jobs" }).TextContentAsync(), StringComparison.Ordinal);
        await AssertAccessibleAsync(page, "list after revoking");
        await screenshots.TakeAsync(page, "keys-list");
        using (var withKey = server.CreateBearerClient(key))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        watch.AssertClean();
        Assert.NotEmpty(watch.Urls);
        Assert.DoesNotContain(watch.Urls, url => url.Contains(key, StringComparison.Ordinal) || url.Contains(key[8..], StringComparison.Ordinal));
        Assert.DoesNotContain("sk-maas-", await page.EvaluateAsync<string>("() => location.href + document.referrer"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_rotates_a_key_with_the_keyboard_the_old_one_works_through_the_grace_and_the_new_one_is_revoked()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var screenshots = new Screenshots();
        await using var context = await NewContextAsync(server, "erin", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        // Create and copy, as a person with only a keyboard.
        await page.GetByLabel("Name").FillAsync("deploy bot");
        await page.GetByLabel("Name").PressAsync("Enter");
        var old = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", old, StringComparison.Ordinal);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#copy-status")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(old, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        // The row's Rotate button is reached with Tab and pressed with Enter: the confirmation offers the configured default grace.
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Rotate “deploy bot”" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Rotate the key “deploy bot”?");
        Assert.Equal("1h0m0s", await page.GetByLabel("Grace for the old key").InputValueAsync());
        await AssertAccessibleAsync(page, "rotate confirmation");
        await screenshots.TakeAsync(page, "rotate-confirm");
        using (var withOld = server.CreateBearerClient(old))
        {
            Assert.Equal(HttpStatusCode.OK, (await withOld.GetAsync("/v1/models")).StatusCode);
        }

        await page.GetByLabel("Grace for the old key").FillAsync("30m");
        var rotatedAt = server.Clock.GetUtcNow();
        var rotated = await page.RunAndWaitForResponseAsync(() => page.GetByLabel("Grace for the old key").PressAsync("Enter"), r => r.Request.Method == "POST");
        Assert.Equal(200, rotated.Status);
        Assert.Contains("no-store", (await rotated.AllHeadersAsync())["cache-control"], StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#created-heading")).ToHaveTextAsync("The new key replacing “deploy bot”");
        var replacement = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", replacement, StringComparison.Ordinal);
        Assert.NotEqual(old, replacement);
        Assert.Contains("keeps working until " + Maas.SelfService.Pages.Display.Show(rotatedAt.AddMinutes(30)), await page.Locator("#old-key-end").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("new-key", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#copy-status")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(replacement, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        var rows = page.Locator("#keys tbody tr", new() { HasText = "deploy bot" });
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#keys tbody tr", new() { HasText = "rotated: works until it expires" })).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page, "key rotated");
        await screenshots.TakeAsync(page, "key-rotated");

        // Both work during the grace; after it the old one fails and the new one goes on.
        using (var withOld = server.CreateBearerClient(old))
        using (var withNew = server.CreateBearerClient(replacement))
        {
            Assert.Equal(HttpStatusCode.OK, (await withOld.GetAsync("/v1/models")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await withNew.GetAsync("/v1/models")).StatusCode);
            server.Clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
            Assert.Equal(HttpStatusCode.Unauthorized, (await withOld.GetAsync("/v1/models")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await withNew.GetAsync("/v1/models")).StatusCode);
        }

        // The list says so; the new key is revoked with its confirmation, by keyboard too.
        await page.GotoAsync("/keys");
        await Assertions.Expect(page.Locator("#keys tbody tr", new() { HasText = "expired" })).ToHaveCountAsync(1);
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Revoke “deploy bot”" }));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Revoke the key “deploy bot”?");
        await PressWithKeyboardAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Revoke the key" }));
        await Assertions.Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("is revoked");
        await Assertions.Expect(page.Locator("#keys tbody tr", new() { HasText = "revoked" })).ToHaveCountAsync(1);
        await AssertAccessibleAsync(page, "list after rotating and revoking");
        using (var withNew = server.CreateBearerClient(replacement))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await withNew.GetAsync("/v1/models")).StatusCode);
        }

        watch.AssertClean();
        Assert.DoesNotContain(watch.Urls, url => url.Contains(old[8..], StringComparison.Ordinal) || url.Contains(replacement[8..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_grace_that_is_no_duration_or_beyond_the_bound_is_refused_next_to_its_field_and_the_key_is_not_rotated()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var api = server.CreateClient("frank", "system:authenticated");
        (await api.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"ci"}"""))).EnsureSuccessStatusCode();
        await using var context = await NewContextAsync(server, "frank", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate “ci”" }).ClickAsync();

        foreach (var (grace, message) in new[] { ("forever", "'forever' is not a duration"), ("200h", "grace must be at most 168h0m0s") })
        {
            await page.GetByLabel("Grace for the old key").FillAsync(grace);
            var refused = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Rotate the key" }).ClickAsync(), r => r.Request.Method == "POST");
            Assert.Equal(400, refused.Status);
            await Assertions.Expect(page.Locator("#grace-error")).ToContainTextAsync(message);
            Assert.Equal("true", await page.GetByLabel("Grace for the old key").GetAttributeAsync("aria-invalid"));
            Assert.Contains("grace-error", await page.GetByLabel("Grace for the old key").GetAttributeAsync("aria-describedby") ?? "", StringComparison.Ordinal);
            Assert.Equal(grace, await page.GetByLabel("Grace for the old key").InputValueAsync());
            Assert.Equal(0, await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).CountAsync());
            await AssertAccessibleAsync(page, "refused grace");
        }

        using var list = JsonDocument.Parse(await api.GetStringAsync("/v1/api-keys"));
        var only = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal("active", only.GetProperty("status").GetString());
        watch.AssertClean("status of 400");
    }

    [Fact]
    public async Task Rotating_a_key_already_rotated_answers_409_naming_its_replacement_and_makes_no_third_key()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var gina = server.CreateClient("gina", "system:authenticated");
        using var created = await gina.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"twice"}"""));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jti").GetString()!;
        var antiforgery = await AntiforgeryAsync(gina);

        using (var first = await PostAsync(gina, "Rotate", antiforgery, ("id", id), ("grace", "1h")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var confirm = await PostAsync(gina, "ConfirmRotate", antiforgery, ("id", "no-such-key")))
        {
            Assert.Equal(HttpStatusCode.NotFound, confirm.StatusCode);
        }

        using var second = await PostAsync(gina, "Rotate", antiforgery, ("id", id), ("grace", "1h"));
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        var page = WebUtility.HtmlDecode(await second.Content.ReadAsStringAsync());
        Assert.Contains("was already rotated; its replacement is", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"new-key\"", page, StringComparison.Ordinal);
        using var list = JsonDocument.Parse(await gina.GetStringAsync("/v1/api-keys"));
        Assert.Equal(2, list.RootElement.GetArrayLength());
        Assert.All(list.RootElement.EnumerateArray(), key => Assert.Equal("active", key.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_bad_lifetime_is_refused_next_to_its_field_and_no_key_is_made()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await NewContextAsync(server, "bob", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");

        await page.GetByLabel("Name").FillAsync("typo");
        await page.GetByLabel("Lifetime").FillAsync("forever");
        var refused = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'forever' is not a duration");
        Assert.Equal("true", await page.GetByLabel("Lifetime").GetAttributeAsync("aria-invalid"));
        Assert.Equal("typo", await page.GetByLabel("Name").InputValueAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).CountAsync());
        await AssertAccessibleAsync(page, "refused form");
        using var api = server.CreateClient("bob", "system:authenticated");
        Assert.Equal("[]", await api.GetStringAsync("/v1/api-keys"));

        // The browser logs the 400 document answer; nothing else may appear.
        watch.AssertClean("status of 400");
    }

    [Fact]
    public async Task Without_the_gateways_identity_the_page_answers_401_and_says_what_is_missing()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var screenshots = new Screenshots();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString(), ViewportSize = Viewport });
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();

        var answer = await page.GotoAsync("/keys");
        Assert.Equal(401, answer!.Status);
        Assert.Equal("Not signed in", await page.Locator("h1").TextContentAsync());
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("X-MaaS-Username");
        Assert.Equal(0, await page.Locator("form").CountAsync());
        await AssertAccessibleAsync(page, "not signed in");
        await screenshots.TakeAsync(page, "not-signed-in");
        watch.AssertClean("status of 401");
    }

    [Fact]
    public async Task The_content_security_policy_blocks_injected_inline_script_and_style_and_the_watch_reports_it()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await NewContextAsync(server, "carol", "system:authenticated");
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/keys");
        watch.AssertClean();

        // What an injection would try: an inline script and an inline style. Neither may run.
        await page.EvaluateAsync("""
            () => {
              const script = document.createElement("script");
              script.textContent = "document.body.dataset.injected = 'ran'";
              document.head.appendChild(script);
              const style = document.createElement("style");
              style.textContent = "body { background: rgb(255, 0, 0); }";
              document.head.appendChild(style);
            }
            """);
        await Assertions.Expect(page.Locator("body")).Not.ToHaveAttributeAsync("data-injected", "ran");
        Assert.NotEqual("rgb(255, 0, 0)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        Assert.Contains(watch.Problems, p => p.StartsWith("CSP violation: script-src", StringComparison.Ordinal));
        Assert.Contains(watch.Problems, p => p.StartsWith("CSP violation: style-src", StringComparison.Ordinal));
        Assert.Throws<Xunit.Sdk.TrueException>(() => watch.AssertClean());
    }

    [Fact]
    public async Task Without_javascript_a_key_is_still_created_and_shown_and_the_copy_button_stays_hidden()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = Viewport,
            JavaScriptEnabled = false,
            ExtraHTTPHeaders = Identity("dave", "system:authenticated"),
        });
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/maas-api/keys");

        await page.GetByLabel("Name").FillAsync("no-script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        Assert.False(await page.GetByText("Copy the key").IsVisibleAsync());
        Assert.EndsWith("/maas-api/keys?handler=Create", page.Url, StringComparison.Ordinal);
        using var withKey = server.CreateBearerClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        watch.AssertClean();
    }

    [Fact]
    public async Task A_post_without_its_owners_anti_forgery_token_changes_nothing()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"kept"}"""));
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jti").GetString()!;

        // No token at all.
        using var create = await alice.PostAsync("/keys?handler=Create", Form(("Create.Name", "forged")));
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        using var revoke = await alice.PostAsync("/maas-api/keys/revoke", Form(("id", id)));
        Assert.Equal(HttpStatusCode.BadRequest, revoke.StatusCode);

        // Alice's token and cookie, sent with Mallory's identity: refused too (the token names its user).
        using var page = await alice.GetAsync("/keys");
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        using var mallory = server.CreateClient("mallory", "system:authenticated");
        using var stolen = new HttpRequestMessage(HttpMethod.Post, "/keys/revoke") { Content = Form(("id", id), ("__RequestVerificationToken", token)) };
        stolen.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.BadRequest, (await mallory.SendAsync(stolen)).StatusCode);

        using (var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys")))
        {
            var only = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal("kept", only.GetProperty("name").GetString());
            Assert.Equal("active", only.GetProperty("status").GetString());
        }

        // The same post by Alice herself goes through: the refusals above were the token's doing.
        using var own = new HttpRequestMessage(HttpMethod.Post, "/keys/revoke") { Content = Form(("id", id), ("__RequestVerificationToken", token)) };
        own.Headers.Add("Cookie", cookie);
        using var revoked = await alice.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        using var after = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys/" + id));
        Assert.Equal("revoked", after.RootElement.GetProperty("status").GetString());
    }

    internal static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    internal static Dictionary<string, string> Identity(string user, params string[] groups) => new()
    {
        ["X-MaaS-Username"] = user,
        ["X-MaaS-Group"] = JsonSerializer.Serialize(groups),
    };

    internal static ViewportSize Viewport => new() { Width = 1100, Height = 800 };

    private Task<IBrowserContext> NewContextAsync(MaasApiServer server, string user, params string[] groups) =>
        NewContextAsync(chromium.Browser, server, user, groups);

    internal static async Task<IBrowserContext> NewContextAsync(IBrowser browser, MaasApiServer server, string user, params string[] groups) =>
        await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = Viewport,
            // What the gateway adds to every request (the sample host trusts it from loopback in Development).
            ExtraHTTPHeaders = Identity(user, groups),
            Permissions = ["clipboard-read", "clipboard-write"],
        });

    /// <summary>Reads the anti-forgery cookie and token a GET of the page gives <paramref name="client"/>'s user.</summary>
    internal static async Task<(string Cookie, string Token)> AntiforgeryAsync(HttpClient client)
    {
        using var page = await client.GetAsync("/keys");
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return (cookie, token);
    }

    /// <summary>The one-time token of the create form a GET of the page shows <paramref name="client"/>'s user.</summary>
    internal static async Task<string> CreateFormTokenAsync(HttpClient client)
    {
        var token = System.Text.RegularExpressions.Regex.Match(await client.GetStringAsync("/keys"), "name=\"Create.FormToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return token;
    }

    /// <summary>Where each form of the page posts, by the name of what it does.</summary>
    private static readonly Dictionary<string, string> HandlerPaths = new(StringComparer.Ordinal)
    {
        ["Create"] = "/keys?handler=Create",
        ["ConfirmRotate"] = "/keys/rotate?handler=Confirm",
        ["Rotate"] = "/keys/rotate",
        ["ConfirmRevoke"] = "/keys/revoke?handler=Confirm",
        ["Revoke"] = "/keys/revoke",
        ["Search"] = "/keys/search",
        ["BulkRevokePreview"] = "/keys/bulk-revoke?handler=Preview",
        ["BulkRevoke"] = "/keys/bulk-revoke",
        ["Audit"] = "/keys/audit",
    };

    /// <summary>Posts <paramref name="fields"/> to a handler of the page, with the cookie and token of <see cref="AntiforgeryAsync"/> when given.</summary>
    internal static async Task<HttpResponseMessage> PostAsync(HttpClient client, string handler, (string Cookie, string Token)? antiforgery, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, HandlerPaths[handler])
        {
            Content = Form(antiforgery is { } t ? [.. fields, ("__RequestVerificationToken", t.Token)] : fields),
        };
        if (antiforgery is { } a)
        {
            request.Headers.Add("Cookie", a.Cookie);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Moves the focus with Tab, from where it is, until it reaches <paramref name="target"/> (failing when Tab never does), then presses Enter.</summary>
    internal static async Task PressWithKeyboardAsync(IPage page, ILocator target)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                await page.Keyboard.PressAsync("Enter");
                return;
            }
        }

        Assert.Fail("Tab never reached " + target);
    }

    /// <summary>The axe-core script that <c>Deque.AxeCore.Playwright</c> bundles, read once for every check.</summary>
    private static readonly string AxeScript = new BundledAxeScriptProvider().GetScript();

    /// <summary>
    /// Fails the test when axe finds a violation on the page as it is now. This is axe-core's own <c>axe.run</c>
    /// over the whole document with every rule, as <c>page.RunAxe()</c> runs it (its split into <c>runPartial</c>
    /// and <c>finishRun</c> only matters for cross-origin iframes, which these pages have none of), without the new
    /// browser context and second copy of axe that <c>RunAxe</c> opens for each check to finish in; the script goes
    /// into a document once, and only the violations are worked out in full.
    /// </summary>
    internal static async Task AssertAccessibleAsync(IPage page, string screen)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync("() => {" + AxeScript + "}");
        }

        var raw = await page.EvaluateAsync<JsonElement>("() => axe.run(document, { resultTypes: ['violations'] }).then(r => ({ violations: r.violations }))");
        var result = new AxeResult(Newtonsoft.Json.Linq.JObject.Parse(raw.GetRawText()));
        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        Assert.True(violations.Count == 0, $"axe found on the {screen} screen: " + string.Join(" | ", violations));
    }
}
