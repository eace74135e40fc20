using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Maas.Api.Tests;

/// <summary>
/// The original's last section, "Calling the model and hitting the rate limit", against the sample
/// host as README's first command starts it (Development: gateway and simulated model in process).
/// </summary>
public sealed class DataPlaneFlowTests
{
    private static readonly int[] FiveThenEleven = [.. Enumerable.Repeat(200, 5), .. Enumerable.Repeat(429, 11)];

    [Fact]
    public async Task The_originals_loop_gets_five_200_then_eleven_429_for_free_and_sixteen_200_for_premium()
    {
        await using var server = await MaasApiServer.StartAsync();

        var freeToken = await IssueTokenAsync(server, "freeuser", "system:authenticated");
        var (modelUrl, modelName) = await FirstModelAsync(server, freeToken);
        Assert.Equal(new Uri(server.BaseAddress, "/llm/facebook-opt-125m-simulated").ToString(), modelUrl);
        Assert.Equal("facebook/opt-125m", modelName);

        var codes = await RunLoopAsync(freeToken, modelUrl, modelName);
        Assert.Equal(FiveThenEleven, codes);

        var premiumToken = await IssueTokenAsync(server, "premiumuser", "system:authenticated", "tier-premium-users");
        Assert.Equal(Enumerable.Repeat(200, 16), await RunLoopAsync(premiumToken, modelUrl, modelName));
    }

    [Fact]
    public async Task An_api_key_behaves_like_the_token_and_usage_reports_what_it_spent()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var gateway = server.CreateClient("keyuser", "system:authenticated");
        using var created = await gateway.PostAsync("/maas-api/v1/api-keys", MaasApiServer.Json("""{"name":"loop-key"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var (modelUrl, modelName) = await FirstModelAsync(server, key);

        var codes = await RunLoopAsync(key, modelUrl, modelName);
        Assert.Equal(FiveThenEleven, codes);

        using var withKey = server.CreateBearerClient(key);
        using var usage = JsonDocument.Parse(await withKey.GetStringAsync("/v1/usage"));
        Assert.Equal("free", usage.RootElement.GetProperty("tier").GetString());
        Assert.Equal(5, usage.RootElement.GetProperty("requests").GetProperty("used").GetInt64());
        Assert.Equal(0, usage.RootElement.GetProperty("requests").GetProperty("remaining").GetInt64());
        Assert.True(usage.RootElement.GetProperty("tokens").GetProperty("used").GetInt64() > 0);
    }

    [Fact]
    public async Task Control_plane_paths_and_the_openapi_document_answer_with_and_without_the_maas_api_prefix()
    {
        await using var server = await MaasApiServer.StartAsync();
        var token = await IssueTokenAsync(server, "alice", "system:authenticated");
        using var client = server.CreateBearerClient(token);
        foreach (var prefix in new[] { "", "/maas-api" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(prefix + "/health")).StatusCode);
            using var models = JsonDocument.Parse(await client.GetStringAsync(prefix + "/v1/models"));
            Assert.Equal(new Uri(server.BaseAddress, "/llm/facebook-opt-125m-simulated").ToString(), models.RootElement.GetProperty("data")[0].GetProperty("url").GetString());
            using var openApi = JsonDocument.Parse(await client.GetStringAsync(prefix + "/openapi/v1.json"));
            Assert.True(openApi.RootElement.GetProperty("paths").TryGetProperty("/v1/tokens", out _));
        }
    }

    [Fact]
    public async Task Outside_development_the_gateway_and_simulator_are_off_unless_configured()
    {
        await using (var off = await MaasApiServer.StartAsync(environmentName: "Production", configure: b => b.Configuration["Maas:Gateway:SharedSecret"] = "production-secret"))
        {
            using var client = off.CreateClient();
            Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v1/chat/completions", MaasApiServer.Json("{}"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/internal/simulator/v1/models")).StatusCode);
        }

        await using var on = await MaasApiServer.StartAsync(environmentName: "Production", configure: b =>
        {
            b.Configuration["Maas:Gateway:SharedSecret"] = "production-secret";
            b.Configuration["Maas:DataPlane:Gateway"] = "true";
        });
        using var anonymous = on.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/chat/completions", MaasApiServer.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/internal/simulator/v1/models")).StatusCode);
    }

    /// <summary>The original's loop, the body sent as <c>curl -d</c> sends it (form content type).</summary>
    internal static async Task<int[]> RunLoopAsync(string token, string modelUrl, string modelName)
    {
        using var curl = new HttpClient();
        curl.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var codes = new int[16];
        for (var i = 0; i < codes.Length; i++)
        {
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"{{\"model\": \"{modelName}\", \"prompt\": \"Not really understood prompt\", \"max_prompts\": 40}}"));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
            using var response = await curl.PostAsync($"{modelUrl}/v1/chat/completions", content);
            codes[i] = (int)response.StatusCode;
        }

        return codes;
    }

    internal static async Task<string> IssueTokenAsync(MaasApiServer server, string user, params string[] groups)
    {
        using var gateway = server.CreateClient(user, groups);
        using var response = await gateway.PostAsync("/maas-api/v1/tokens", MaasApiServer.Json("""{"expiration":"10m"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
    }

    internal static async Task<(string Url, string Id)> FirstModelAsync(MaasApiServer server, string credential)
    {
        using var client = server.CreateBearerClient(credential);
        using var models = JsonDocument.Parse(await client.GetStringAsync("/v1/models"));
        var first = models.RootElement.GetProperty("data")[0];
        return (first.GetProperty("url").GetString()!, first.GetProperty("id").GetString()!);
    }
}
