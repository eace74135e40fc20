using System.Net;

namespace Maas.Api.Tests;

/// <summary>--debug opens CORS to the configured origins only, never to every origin with credentials.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task Debug_mode_allows_configured_origins_only()
    {
        await using var server = await MaasApiServer.StartAsync(["--debug"], b => b.Configuration["Maas:Cors:Origins:0"] = "http://localhost:3000");
        using var client = server.CreateClient();

        using var allowed = await client.SendAsync(Preflight("http://localhost:3000"));
        Assert.Equal("http://localhost:3000", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());

        using var refused = await client.SendAsync(Preflight("http://evil.example"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Without_debug_no_origin_is_allowed()
    {
        await using var server = await MaasApiServer.StartAsync(configure: b => b.Configuration["Maas:Cors:Origins:0"] = "http://localhost:3000");
        using var client = server.CreateClient();
        using var response = await client.SendAsync(Preflight("http://localhost:3000"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/models");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return request;
    }
}
