using System.Net;
using System.Security.Claims;
using Maas.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Maas.Api.Tests.SelfService.SelfServicePageTests;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// <c>dotnet run --project samples/Maas.Api</c> opened in a plain browser: in Development, from loopback, the
/// sign-in form signs it in by a cookie; anywhere else there is no form and the cookie signs nobody in.
/// </summary>
public sealed class DevelopmentSignInPageTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string CookieName = ".Maas.SelfService.DevelopmentSignIn";
    private const string Scheme = "MaasSelfService.DevelopmentSignIn";
    private const string Secret = "a-long-gateway-shared-secret-0123456789";

    [Fact]
    public async Task In_development_a_plain_browser_signs_in_creates_a_key_and_is_shown_its_base_url_and_examples_that_work()
    {
        await using var server = await MaasApiServer.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = Viewport,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        var watch = await PageWatch.AttachAsync(context);
        var page = await context.NewPageAsync();

        // No headers: the 401 screen, which in Development links to the form.
        Assert.Equal(401, (await page.GotoAsync("/keys"))!.Status);
        await page.GetByRole(AriaRole.Link, new() { Name = "sign in for development" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in for development");
        Assert.EndsWith("/keys/sign-in", page.Url, StringComparison.Ordinal);
        Assert.Equal("system:authenticated", await page.GetByLabel("Groups").InputValueAsync());
        await AssertAccessibleAsync(page, "development sign-in");

        await page.GetByLabel("User name").FillAsync("grace");
        await page.GetByLabel("Groups").FillAsync("system:authenticated, tier-premium-users");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Your API keys");
        Assert.EndsWith("/keys", page.Url, StringComparison.Ordinal);
        Assert.Contains("Signed in as grace", await page.Locator(".identity").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("premium", await page.Locator("#plan-heading + p").TextContentAsync(), StringComparison.Ordinal);

        // The cookie: HttpOnly, SameSite=Strict, and its value protected (it does not say who).
        var cookie = Assert.Single(await context.CookiesAsync(), c => c.Name == CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain("grace", cookie.Value, StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.cookie.split(';').filter(c => c.includes('DevelopmentSignIn')).length"));

        // A key, shown with the model's base URL and examples with the key filled in.
        await page.GetByLabel("Name").FillAsync("sdk");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the key" }).ClickAsync();
        var key = await page.GetByRole(AriaRole.Textbox, new() { Name = "New key" }).InputValueAsync();
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/') + "/llm/facebook-opt-125m-simulated/v1";
        await Assertions.Expect(page.Locator("#model-urls dt")).ToHaveTextAsync("facebook/opt-125m");
        await Assertions.Expect(page.Locator("#model-urls dd")).ToHaveTextAsync(baseUrl);
        var curl = await page.Locator("#snippet-curl").TextContentAsync();
        Assert.Contains($"curl {baseUrl}/chat/completions", curl, StringComparison.Ordinal);
        Assert.Contains($"Authorization: Bearer {key}", curl, StringComparison.Ordinal);
        Assert.Contains($"base_url=\"{baseUrl}\", api_key=\"{key}\"", await page.Locator("#snippet-python").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains($"baseURL: \"{baseUrl}\", apiKey: \"{key}\"", await page.Locator("#snippet-javascript").TextContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy the curl example" }).ClickAsync();
        await Assertions.Expect(page.Locator("#snippet-curl-status")).ToHaveTextAsync("Copied to the clipboard.");
        Assert.Equal(curl, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await AssertAccessibleAsync(page, "key created with its examples");

        // What the curl example does, done: the base URL and the key answer.
        using (var withKey = server.CreateBearerClient(key))
        {
            using var call = await withKey.PostAsync(baseUrl + "/chat/completions", MaasApiServer.Json("""{"model": "facebook/opt-125m", "messages": [{"role": "user", "content": "Hello"}]}"""));
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        // Signing out ends it: the 401 screen again.
        await page.GotoAsync("/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Sign in for development");
        Assert.Equal(401, (await page.GotoAsync("/keys"))!.Status);
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == CookieName);

        watch.AssertClean("status of 401");
        Assert.DoesNotContain(watch.Urls, url => url.Contains(key[8..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_production_the_sign_in_form_is_a_404_and_a_development_cookie_from_the_same_key_ring_signs_nobody_in()
    {
        // Both hosts share a Data Protection key ring, as replicas would: the cookie would decrypt in either.
        using var keyRing = new TemporaryDirectory();
        void SharedKeyRing(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
            builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keyRing.Path));
        await using var development = await MaasApiServer.StartAsync(configure: SharedKeyRing);
        var cookie = await SignInAsync(development, "root", "system:authenticated");
        using (var signedIn = new HttpClient { BaseAddress = development.BaseAddress })
        {
            signedIn.DefaultRequestHeaders.Add("Cookie", cookie);
            Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/keys")).StatusCode);
        }

        await using var production = await MaasApiServer.StartAsync(
            configure: builder =>
            {
                SharedKeyRing(builder);
                builder.Configuration["Maas:Gateway:SharedSecret"] = Secret;
            },
            environmentName: "Production");
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = production.BaseAddress.ToString(), ViewportSize = Viewport });
        var page = await context.NewPageAsync();
        Assert.Equal(401, (await page.GotoAsync("/keys"))!.Status);
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "sign in for development" }).CountAsync());

        using var withCookie = new HttpClient { BaseAddress = production.BaseAddress };
        Assert.Equal(HttpStatusCode.NotFound, (await withCookie.GetAsync("/keys/sign-in")).StatusCode);
        withCookie.DefaultRequestHeaders.Add("Cookie", cookie);
        using var refused = await withCookie.GetAsync("/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("Signed in as", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var post = await withCookie.PostAsync("/keys/sign-in", Form(("UserName", "root"), ("Groups", "maas-admins")));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task From_anything_but_loopback_the_form_is_a_404_and_its_cookie_signs_nobody_in()
    {
        // The gateway in front (a trusted proxy) forwards a caller from elsewhere.
        await using var server = await MaasApiServer.StartAsync(configure: builder => builder.Configuration["Maas:TrustedProxies:0"] = "127.0.0.1");
        var cookie = await SignInAsync(server, "root", "system:authenticated");
        using var remote = new HttpClient { BaseAddress = server.BaseAddress };
        remote.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.NotFound, (await remote.GetAsync("/keys/sign-in")).StatusCode);

        // A post is the same 404, before the anti-forgery check could answer its 400, whatever it carries.
        using (var post = await remote.PostAsync("/keys/sign-in", Form(("UserName", "root"), ("Groups", "maas-admins"))))
        {
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }

        remote.DefaultRequestHeaders.Add("Cookie", cookie);
        using var refused = await remote.GetAsync("/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("sign in for development", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var local = new HttpClient { BaseAddress = server.BaseAddress };
        local.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/keys")).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_http_only_strict_for_the_whole_site_and_secure_exactly_when_the_request_is_https()
    {
        await using var plain = await MaasApiServer.StartAsync();
        await using var secure = await MaasApiServer.StartAsync(["--secure", "--tls-self-signed"]);
        Assert.Equal("https", secure.BaseAddress.Scheme);
        foreach (var (server, https) in new[] { (plain, false), (secure, true) })
        {
            var attributes = (await SignInSetCookieAsync(server, "grace", "system:authenticated")).Split(';').Skip(1)
                .Select(a => a.Trim().ToLowerInvariant()).ToArray();
            Assert.Contains("httponly", attributes);
            Assert.Contains("samesite=strict", attributes);
            // The whole site: every screen of /keys, and the sign-out under /keys/sign-in, get it back.
            Assert.Contains("path=/", attributes);
            Assert.Equal(https, attributes.Contains("secure"));
            // A session cookie: the ticket inside ends it after 8 hours, the browser when it closes.
            Assert.DoesNotContain(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal) || a.StartsWith("max-age=", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_sign_in_cookie_is_a_ticket_only_the_hosts_data_protection_reads_and_an_unprotected_ticket_signs_nobody_in()
    {
        await using var server = await MaasApiServer.StartAsync();
        var cookie = await SignInAsync(server, "grace", "system:authenticated, tier-premium-users");

        // The value is the cookie handler's ticket under the host's key ring, with the handler's purposes.
        var protector = server.Services.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector("Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware", Scheme, "v2");
        var ticket = new TicketDataFormat(protector).Unprotect(cookie[(CookieName.Length + 1)..]);
        Assert.NotNull(ticket);
        Assert.Equal("grace", ticket!.Principal.Identity?.Name);

        // The same ticket for root (an administrator) written without protection, as a forger would: refused.
        var identity = new ClaimsIdentity(Scheme, ClaimTypes.Name, "maas:group");
        identity.AddClaims([new(ClaimTypes.Name, "root"), new("maas:group", "system:authenticated"), new("maas:group", "maas-admins")]);
        var forged = Base64UrlTextEncoder.Encode(TicketSerializer.Default.Serialize(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme)));
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", $"{CookieName}={forged}");
        using var refused = await client.GetAsync("/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.DoesNotContain("Signed in as", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The protected one, one character changed: refused as well.
        var value = cookie[(CookieName.Length + 1)..];
        using var tampered = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        tampered.DefaultRequestHeaders.Add("Cookie", $"{CookieName}={value[..^8]}{(value[^8] == 'A' ? 'B' : 'A')}{value[^7..]}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await tampered.GetAsync("/keys")).StatusCode);
        using var genuine = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        genuine.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await genuine.GetAsync("/keys")).StatusCode);

        // It signs in to the page only: the REST API does not read it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await genuine.GetAsync("/v1/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await genuine.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"by-cookie"}"""))).StatusCode);
    }

    /// <summary>Signs in with the form, as a browser does (its anti-forgery cookie and token), and returns the sign-in cookie.</summary>
    private static async Task<string> SignInAsync(MaasApiServer server, string user, string groups) =>
        (await SignInSetCookieAsync(server, user, groups)).Split(';')[0];

    /// <summary>Signs in with the form and returns the sign-in cookie's whole <c>Set-Cookie</c> header (over HTTPS too, trusting the test's certificate).</summary>
    private static async Task<string> SignInSetCookieAsync(MaasApiServer server, string user, string groups)
    {
        using var client = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        })
        { BaseAddress = server.BaseAddress };
        using var form = await client.GetAsync("/keys/sign-in");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var antiforgery = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/keys/sign-in") { Content = Form(("UserName", user), ("Groups", groups), ("__RequestVerificationToken", token)) };
        request.Headers.Add("Cookie", antiforgery);
        using var signedIn = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/keys", signedIn.Headers.Location?.OriginalString);
        var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        return setCookie;
    }
}
