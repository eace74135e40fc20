using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.SelfService.Tests;

/// <summary>The page on a minimal host (Kestrel, loopback): its policies judge whatever the host's scheme signed in.</summary>
public sealed partial class SelfServiceEndpointTests
{
    private const string AdminGroup = "maas-admins";

    [Fact]
    public async Task An_api_key_of_an_administrator_signs_in_to_the_page_but_never_reaches_an_administrators_screen()
    {
        await using var app = await StartAsync();
        using var root = Client(app);
        root.DefaultRequestHeaders.Add("X-MaaS-Username", "root");
        root.DefaultRequestHeaders.Add("X-MaaS-Group", $"[\"system:authenticated\",\"{AdminGroup}\"]");
        using var created = await root.PostAsync("/v1/api-keys", new StringContent("""{"name":"root's"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var withKey = Client(app);
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Signed in by the gateway's headers, root administers; signed in by root's own key, never.
        var rootsToken = await AntiforgeryAsync(root);
        var keysToken = await AntiforgeryAsync(withKey);
        Assert.Contains("badge-admin", await root.GetStringAsync("/keys"), StringComparison.Ordinal);
        Assert.DoesNotContain("badge-admin", await withKey.GetStringAsync("/keys"), StringComparison.Ordinal);
        foreach (var path in new[] { "/keys/search", "/keys/bulk-revoke?handler=Preview", "/keys/audit" })
        {
            using var allowed = await PostAsync(root, path, rootsToken);
            Assert.True(allowed.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{path}: {(int)allowed.StatusCode}");
            Assert.DoesNotContain("Administrators only", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            using var refused = await PostAsync(withKey, path, keysToken);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
            Assert.Contains("Administrators only", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_identity_the_page_answers_its_401_screen_and_a_screen_without_its_handler_goes_back_to_the_list()
    {
        await using var app = await StartAsync();
        using var anonymous = Client(app);
        using var page = await anonymous.GetAsync("/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Not signed in</h1>", html, StringComparison.Ordinal);
        Assert.Contains("X-MaaS-Username", html, StringComparison.Ordinal);

        using var alice = Client(app);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        foreach (var path in new[] { "/keys/rotate", "/keys/revoke" })
        {
            using var typed = await alice.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, typed.StatusCode);
            Assert.Equal("/keys", typed.Headers.Location?.OriginalString);
        }
    }

    [Fact]
    public async Task A_host_whose_own_result_handler_lets_every_refusal_through_still_gets_the_pages_401_and_403()
    {
        // The page decides on its own too: a host's handler that replaces the page's cannot open it.
        await using var app = await StartAsync(services => services.AddSingleton<IAuthorizationMiddlewareResultHandler, LetEverythingThrough>());
        using var anonymous = Client(app);
        using (var page = await anonymous.GetAsync("/keys"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
            Assert.Contains("<h1>Not signed in</h1>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var alice = Client(app);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        var token = await AntiforgeryAsync(alice);
        foreach (var path in new[] { "/keys/search", "/keys/bulk-revoke?handler=Preview", "/keys/bulk-revoke", "/keys/audit" })
        {
            using var refused = await PostAsync(alice, path, token);
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path}: {(int)refused.StatusCode}");
            Assert.Contains("Administrators only", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    internal static async Task<WebApplication> StartAsync(Action<IServiceCollection>? configure = null, string environment = "Development")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(o => o.Admins.Groups.Add(AdminGroup)).UseInMemoryStorage();
        // The Maas schemes as one: a bearer token or key when the request has one, else the gateway's headers.
        builder.Services.AddMaasSelfService(o =>
        {
            o.AuthenticationScheme = MaasAuthenticationDefaults.AnyScheme;
            o.ChallengeAnonymousCallers = false;
        });
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMaasApi();
        app.MapMaasSelfService();
        await app.StartAsync();
        return app;
    }

    internal static HttpClient Client(WebApplication app) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
        };

    internal static async Task<(string Cookie, string Token)> AntiforgeryAsync(HttpClient client)
    {
        using var page = await client.GetAsync("/keys");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var cookie = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)).Split(';')[0];
        var token = VerificationToken().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.NotEmpty(token);
        return (cookie, token);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, (string Cookie, string Token) antiforgery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", antiforgery.Token), new("username", "alice")]),
        };
        request.Headers.Add("Cookie", antiforgery.Cookie);
        return await client.SendAsync(request);
    }

    /// <summary>A result handler that lets every request through, as a careless host might register.</summary>
    private sealed class LetEverythingThrough : IAuthorizationMiddlewareResultHandler
    {
        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) => next(context);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex VerificationToken();
}
