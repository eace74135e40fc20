using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Maas.Api.Tests;

/// <summary>
/// Issue 25's acceptance on the sample host as README's first command starts it (Development: the
/// gateway and the simulated model in process): a client of the later Go service walks its API-key
/// flow with the later names only (<c>key</c>, <c>id</c>, <c>expiresIn</c>, <c>subscription</c>,
/// <c>ephemeral</c>, 200 on revocation), and the key it gets calls the model. The scenarios one by one
/// run on the hosting endpoints in <c>LaterGoServiceScenarioTests</c>; this is the same contract through
/// <c>maas-api</c>'s own composition, where the page, the gateway and the prefix paths are wired too.
/// </summary>
public sealed class LaterGoServiceFlowTests
{
    private const string AdminGroup = "maas-admins";

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : MaasApiServer.Json(json) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} {json}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return document.RootElement.Clone();
    }

    private static string[] Ids(JsonElement list) =>
        [.. list.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!)];

    private static async Task<HttpResponseMessage> ChatAsync(MaasApiServer server, string key)
    {
        using var client = server.CreateBearerClient(key);
        var content = new StringContent("""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hello"}],"max_tokens":4}""", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.PostAsync("/llm/facebook-opt-125m-simulated/v1/chat/completions", content);
    }

    [Fact]
    public async Task A_later_service_client_creates_searches_revokes_and_calls_the_model_with_its_own_names()
    {
        await using var server = await MaasApiServer.StartAsync(configure: b => b.Configuration["Maas:Admins:Groups:0"] = AdminGroup);
        using var carol = server.CreateClient("carol", "system:authenticated", "tier-premium-users");
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var admin = server.CreateClient("root", "system:authenticated", AdminGroup);

        // Created with the later names: a 2-hour key with labels on the lower tier carol may choose.
        var created = await SendAsync(carol, HttpMethod.Post, "/maas-api/v1/api-keys",
            """{"name":"later","expiresIn":"2h","labels":{"team":"search"},"subscription":"free"}""", HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        Assert.Equal("free", created.GetProperty("subscription").GetString());
        Assert.Equal(server.Clock.GetUtcNow().AddHours(2).ToUnixTimeSeconds(), created.GetProperty("expiresAt").GetInt64());
        var read = await SendAsync(carol, HttpMethod.Get, $"/v1/api-keys/{id}", null, HttpStatusCode.OK);
        Assert.Equal("carol", read.GetProperty("username").GetString());
        Assert.Equal("free", read.GetProperty("subscription").GetString());
        Assert.Equal("search", read.GetProperty("labels").GetProperty("team").GetString());
        Assert.False(read.TryGetProperty("key", out _));

        // The key draws on its subscription's tier at the gateway, not on carol's highest.
        using (var answer = await ChatAsync(server, key))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using (var withKey = server.CreateBearerClient(key))
        {
            using var usage = JsonDocument.Parse(await withKey.GetStringAsync("/v1/usage"));
            Assert.Equal("free", usage.RootElement.GetProperty("tier").GetString());
        }

        // A subscription alice is not entitled to, and one nobody has: 400 invalid_subscription.
        foreach (var subscription in new[] { "premium", "no-such-plan" })
        {
            var refused = await SendAsync(alice, HttpMethod.Post, "/v1/api-keys", $$"""{"name":"x","subscription":"{{subscription}}"}""", HttpStatusCode.BadRequest);
            Assert.Equal("invalid_subscription", refused.GetProperty("code").GetString());
        }

        // Search by subscription and labels: one's own keys for anyone, others' for administrators only.
        Assert.Equal([id], Ids(await SendAsync(carol, HttpMethod.Post, "/v1/api-keys/search",
            """{"filters":{"subscription":"free","labelsContain":{"team":"search"}}}""", HttpStatusCode.OK)));
        await SendAsync(alice, HttpMethod.Post, "/v1/api-keys/search", """{"filters":{"username":"carol","subscription":"free"}}""", HttpStatusCode.Forbidden);
        Assert.Equal([id], Ids(await SendAsync(admin, HttpMethod.Post, "/v1/api-keys/search", """{"filters":{"subscription":"free"}}""", HttpStatusCode.OK)));

        // Bulk revoke by subscription: administrators only; a dry run counts and revokes nothing.
        await SendAsync(carol, HttpMethod.Post, "/v1/api-keys/bulk-revoke", """{"subscription":"free"}""", HttpStatusCode.Forbidden);
        var dry = await SendAsync(admin, HttpMethod.Post, "/v1/api-keys/bulk-revoke", """{"subscription":"free","dryRun":true}""", HttpStatusCode.OK);
        Assert.Equal(1, dry.GetProperty("revokedCount").GetInt32());
        Assert.True(dry.GetProperty("dryRun").GetBoolean());

        // An ephemeral key: short-lived, left out of the list, found by a search that asks for it.
        var ephemeral = await SendAsync(carol, HttpMethod.Post, "/v1/api-keys", """{"ephemeral":true,"expiresIn":"30m"}""", HttpStatusCode.Created);
        Assert.True(ephemeral.GetProperty("ephemeral").GetBoolean());
        var ephemeralId = ephemeral.GetProperty("id").GetString()!;
        var listed = await SendAsync(carol, HttpMethod.Get, "/v1/api-keys", null, HttpStatusCode.OK);
        Assert.Equal([id], listed.EnumerateArray().Select(k => k.GetProperty("id").GetString()!));
        Assert.Contains(ephemeralId, Ids(await SendAsync(carol, HttpMethod.Post, "/v1/api-keys/search", """{"filters":{"includeEphemeral":true}}""", HttpStatusCode.OK)));

        // Revocation answers 200 with the key's state, a second one 404; the gateway then refuses the key
        // with 401 invalid_api_key (kept on purpose: what OpenAI clients expect; the later service says 403).
        var revoked = await SendAsync(carol, HttpMethod.Delete, $"/v1/api-keys/{id}", null, HttpStatusCode.OK);
        Assert.Equal("revoked", revoked.GetProperty("status").GetString());
        await SendAsync(carol, HttpMethod.Delete, $"/v1/api-keys/{id}", null, HttpStatusCode.NotFound);
        using var refusedCall = await ChatAsync(server, key);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedCall.StatusCode);
        using var error = JsonDocument.Parse(await refusedCall.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", error.RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
