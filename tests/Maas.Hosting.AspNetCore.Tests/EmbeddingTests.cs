using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.AspNetCore.Tests;

/// <summary>A platform team embeds Maas in its own ASP.NET service with AddMaas and MapMaasApi.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task AddMaas_and_MapMaasApi_serve_the_api_inside_another_application()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(o =>
        {
            o.Models.Add(new Maas.Models.ModelDescriptor { Id = "granite", OwnedBy = "team", Tiers = { "premium" } });
            o.Models.Add(new Maas.Models.ModelDescriptor { Id = "open-model", OwnedBy = "team" });
            o.Gateway.SharedSecret = "0123456789abcdef0123";
        }).UseInMemoryStorage();
        // Calling it twice changes nothing.
        builder.Services.AddMaas().UseInMemoryStorage();

        await using var app = builder.Build();
        app.MapGet("/", () => "the host's own endpoint");
        app.MapMaasApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        client.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", "0123456789abcdef0123");
        client.DefaultRequestHeaders.Add("X-MaaS-Username", "team-bot");

        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"tier-free-users\"]");
        using var free = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        Assert.Equal(["open-model"], free.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        client.DefaultRequestHeaders.Remove("X-MaaS-Group");
        client.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"premium-group\"]");
        using var premium = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        Assert.Equal(["granite", "open-model"], premium.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        Assert.Equal("the host's own endpoint", await client.GetStringAsync("/"));
        await app.StopAsync();
    }

    [Fact]
    public async Task Models_list_is_an_empty_array_never_null_and_tier_lookup_follows_the_contract()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas().UseInMemoryStorage();
        await using var app = builder.Build();
        app.MapMaasApi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("X-MaaS-Username", "u");
        request.Headers.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        using var models = await client.SendAsync(request);
        Assert.Equal("""{"object":"list","data":[]}""", await models.Content.ReadAsStringAsync());

        using var enterprise = await client.PostAsync("/v1/tiers/lookup", Json("""{"groups":["system:authenticated","admin-group"]}"""));
        Assert.Equal(HttpStatusCode.OK, enterprise.StatusCode);
        Assert.Equal("""{"tier":"enterprise","displayName":"Enterprise Tier"}""", await enterprise.Content.ReadAsStringAsync());

        using var none = await client.PostAsync("/v1/tiers/lookup", Json("""{"groups":["strangers"]}"""));
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        using var noneBody = JsonDocument.Parse(await none.Content.ReadAsStringAsync());
        Assert.Equal("not_found", noneBody.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(noneBody.RootElement.GetProperty("message").GetString()));

        foreach (var bad in new[] { "{}", """{"groups":[]}""", """{"groups":"a"}""", "{" })
        {
            using var response = await client.PostAsync("/v1/tiers/lookup", Json(bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("bad_request", body.RootElement.GetProperty("error").GetString());
        }

        await app.StopAsync();
    }

    [Fact]
    public async Task The_hosts_own_endpoints_can_require_the_Maas_schemes_and_policies()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas().UseInMemoryStorage();
        builder.Services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = "0123456789abcdef0123");
        await using var app = builder.Build();
        app.MapMaasApi();
        app.MapGet("/mine/read", (System.Security.Claims.ClaimsPrincipal user) => user.Identity!.Name!)
            .RequireAuthorization(global::Maas.Hosting.Authentication.MaasAuthenticationDefaults.ReadPolicy);
        app.MapPost("/mine/manage", (System.Security.Claims.ClaimsPrincipal user) => user.Identity!.Name!)
            .RequireAuthorization(global::Maas.Hosting.Authentication.MaasAuthenticationDefaults.ManagePolicy);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var gateway = new HttpClient { BaseAddress = new Uri(address) };
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", "0123456789abcdef0123");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Username", "ops");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        Assert.Equal("ops", await gateway.GetStringAsync("/mine/read"));
        Assert.Equal("ops", await (await gateway.PostAsync("/mine/manage", null)).Content.ReadAsStringAsync());

        using var issued = await gateway.PostAsync("/v1/tokens", null);
        var token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString();
        using var bearer = new HttpClient { BaseAddress = new Uri(address) };
        bearer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal("ops", await bearer.GetStringAsync("/mine/read"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.PostAsync("/mine/manage", null)).StatusCode);

        using var forged = new HttpClient { BaseAddress = new Uri(address) };
        forged.DefaultRequestHeaders.Add("X-MaaS-Username", "ops");
        forged.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"admin-group\"]");
        using var refused = await forged.GetAsync("/mine/read");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("only accepted from the gateway", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
