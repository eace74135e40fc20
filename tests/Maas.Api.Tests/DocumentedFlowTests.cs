using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Maas.Api.Tests;

/// <summary>The original's documented flow, walked as a new user would with curl, over real Kestrel.</summary>
public sealed class DocumentedFlowTests
{
    [Fact]
    public async Task New_user_walks_the_documented_flow_and_revocation_ends_everything_issued_before_it()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated", "tier-premium-users");

        // 1. Issue a token for 4 hours.
        using var tokenResponse = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"4h"}"""));
        Assert.Equal(HttpStatusCode.Created, tokenResponse.StatusCode);
        using var tokenBody = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        var token = tokenBody.RootElement.GetProperty("token").GetString()!;
        Assert.Equal("4h0m0s", tokenBody.RootElement.GetProperty("expiration").GetString());
        var issuedAt = tokenBody.RootElement.GetProperty("issuedAt").GetInt64();
        Assert.Equal(issuedAt + 14400, tokenBody.RootElement.GetProperty("expiresAt").GetInt64());
        var jti = tokenBody.RootElement.GetProperty("jti").GetString()!;

        // The JWT carries the design's claims and verifies against the published JWKS.
        var jwks = await alice.GetStringAsync("/.well-known/jwks.json");
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = new JsonWebKeySet(jwks).GetSigningKeys(),
            ValidIssuer = "maas-api",
            ValidAudience = "maas-default-gateway-sa",
            ValidAlgorithms = ["ES256"],
            LifetimeValidator = (_, _, _, _) => true, // the host runs on a fake clock
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice", jwt.Subject);
        Assert.Equal("premium", jwt.GetClaim("tier").Value);
        Assert.Equal(jti, jwt.Id);
        Assert.Equal(["system:authenticated", "tier-premium-users"], jwt.GetPayloadValue<string[]>("groups"));
        Assert.Equal(issuedAt, jwt.GetPayloadValue<long>("iat"));
        Assert.Equal(issuedAt, jwt.GetPayloadValue<long>("nbf"));
        Assert.Equal(issuedAt + 14400, jwt.GetPayloadValue<long>("exp"));
        Assert.False(string.IsNullOrEmpty(jwt.Kid));

        // 2. List models with that token.
        using var withToken = server.CreateBearerClient(token);
        using var models = JsonDocument.Parse(await withToken.GetStringAsync("/v1/models"));
        Assert.Equal("list", models.RootElement.GetProperty("object").GetString());
        Assert.Equal("facebook/opt-125m", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());

        // 3. Create an API key for 30 days.
        using var keyResponse = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"expiration":"720h","name":"my-application-key"}"""));
        Assert.Equal(HttpStatusCode.Created, keyResponse.StatusCode);
        using var keyBody = JsonDocument.Parse(await keyResponse.Content.ReadAsStringAsync());
        var key = keyBody.RootElement.GetProperty("token").GetString()!;
        var keyId = keyBody.RootElement.GetProperty("jti").GetString()!;
        Assert.StartsWith("sk-maas-", key, StringComparison.Ordinal);
        Assert.Equal("720h0m0s", keyBody.RootElement.GetProperty("expiration").GetString());
        Assert.Equal("my-application-key", keyBody.RootElement.GetProperty("name").GetString());

        // 4. List and get it: active.
        using var list = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        var listed = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal(keyId, listed.GetProperty("id").GetString());
        Assert.Equal("active", listed.GetProperty("status").GetString());
        Assert.Equal("2026-11-26T12:00:00Z", listed.GetProperty("creationDate").GetString());
        Assert.Equal("2026-12-26T12:00:00Z", listed.GetProperty("expirationDate").GetString());
        using var single = JsonDocument.Parse(await alice.GetStringAsync($"/v1/api-keys/{keyId}"));
        Assert.Equal("active", single.RootElement.GetProperty("status").GetString());
        using var withKey = server.CreateBearerClient(key);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);

        // 5. Revoke everything.
        server.Clock.Advance(TimeSpan.FromMilliseconds(250));
        using var revoke = await alice.DeleteAsync("/v1/tokens");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        // Both credentials are rejected, the key is listed revoked.
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var afterList = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys"));
        Assert.Equal("revoked", afterList.RootElement[0].GetProperty("status").GetString());

        // A token issued right after the revocation, in the same second, works.
        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        using var fresh = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"4h"}"""));
        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
        using var freshBody = JsonDocument.Parse(await fresh.Content.ReadAsStringAsync());
        Assert.Equal(issuedAt, freshBody.RootElement.GetProperty("issuedAt").GetInt64());
        using var withFresh = server.CreateBearerClient(freshBody.RootElement.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await withFresh.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task Expired_token_and_key_are_rejected_once_the_clock_passes_their_expiry()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var bob = server.CreateClient("bob", "system:authenticated");
        using var tokenResponse = await bob.PostAsync("/v1/tokens", MaasApiServer.Json("""{"expiration":"10m"}"""));
        var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var keyResponse = await bob.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"short","expiration":"15m"}"""));
        var key = JsonDocument.Parse(await keyResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var withToken = server.CreateBearerClient(token);
        using var withKey = server.CreateBearerClient(key);

        server.Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/models")).StatusCode);

        server.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);

        server.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await withKey.GetAsync("/v1/models")).StatusCode);
        using var list = JsonDocument.Parse(await bob.GetStringAsync("/v1/api-keys"));
        Assert.Equal("expired", list.RootElement[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_answers_healthy_without_identity()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var client = server.CreateClient();
        using var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"healthy"}""", await response.Content.ReadAsStringAsync());
    }
}
