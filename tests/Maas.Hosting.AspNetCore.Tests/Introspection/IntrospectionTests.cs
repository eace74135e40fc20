using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Maas.Testing;
using static Maas.Testing.IntrospectionRequests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Maas.Hosting.AspNetCore.Tests.Introspection;

/// <summary>
/// <c>POST /v1/introspect</c> driven exactly as RFC 7662 describes: a form body and HTTP Basic
/// client authentication (RFC 6749 section 2.3.1 encoding), against the minimal test host.
/// </summary>
public sealed class IntrospectionTests
{
    internal static Task<MaasTestHost> StartAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null) =>
        MaasTestHost.StartAsync(configure: builder =>
        {
            builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = ClientId;
            builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = SecretHash(ClientSecret);
            configure?.Invoke(builder);
        });

    [Fact]
    public async Task Active_token_answers_its_owner_groups_tier_lifetime_and_the_introspecting_client()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated", "tier-premium-users");
        using var gateway = server.CreateClient();
        using var issued = await alice.PostAsync("/v1/tokens", MaasTestHost.Json("""{"expiration":"2h"}"""));
        using var issuedBody = JsonDocument.Parse(await issued.Content.ReadAsStringAsync());
        var token = issuedBody.RootElement.GetProperty("token").GetString()!;

        var answer = await IntrospectAsync(gateway, token);

        Assert.True(answer.GetProperty("active").GetBoolean());
        Assert.Equal("alice", answer.GetProperty("sub").GetString());
        Assert.Equal("alice", answer.GetProperty("username").GetString());
        Assert.Equal(["system:authenticated", "tier-premium-users"], answer.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal("premium", answer.GetProperty("tier").GetString());
        Assert.Equal(issuedBody.RootElement.GetProperty("expiresAt").GetInt64(), answer.GetProperty("exp").GetInt64());
        Assert.Equal(issuedBody.RootElement.GetProperty("issuedAt").GetInt64(), answer.GetProperty("iat").GetInt64());
        Assert.Equal(issuedBody.RootElement.GetProperty("jti").GetString(), answer.GetProperty("jti").GetString());
        Assert.Equal("access_token", answer.GetProperty("token_type").GetString());
        Assert.Equal(ClientId, answer.GetProperty("client_id").GetString());
        Assert.Equal("maas-api", answer.GetProperty("iss").GetString());
        Assert.Equal("maas-default-gateway-sa", answer.GetProperty("aud").GetString());
    }

    [Fact]
    public async Task Active_key_answers_api_key_type_with_its_id_as_jti_and_no_issuer_or_audience()
    {
        await using var server = await StartAsync();
        using var bob = server.CreateClient("bob", "system:authenticated", "enterprise-group");
        using var gateway = server.CreateClient();
        var (key, id) = await CreateKeyAsync(bob, "gateway-test", "48h");

        var answer = await IntrospectAsync(gateway, key);

        Assert.True(answer.GetProperty("active").GetBoolean());
        Assert.Equal("bob", answer.GetProperty("sub").GetString());
        Assert.Equal("enterprise", answer.GetProperty("tier").GetString());
        Assert.Equal(id, answer.GetProperty("jti").GetString());
        Assert.Equal("api_key", answer.GetProperty("token_type").GetString());
        Assert.Equal(server.Clock.GetUtcNow().ToUnixTimeSeconds(), answer.GetProperty("iat").GetInt64());
        Assert.Equal(server.Clock.GetUtcNow().AddHours(48).ToUnixTimeSeconds(), answer.GetProperty("exp").GetInt64());
        Assert.False(answer.TryGetProperty("iss", out _));
        Assert.False(answer.TryGetProperty("aud", out _));
    }

    [Fact]
    public async Task Expired_token_and_key_are_inactive_from_their_expiry_instant_on()
    {
        await using var server = await StartAsync();
        using var carol = server.CreateClient("carol", "system:authenticated");
        using var gateway = server.CreateClient();
        var token = await IssueTokenAsync(carol, "10m");
        var (key, _) = await CreateKeyAsync(carol, "short", "20m");
        Assert.True((await IntrospectAsync(gateway, token)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.True((await IntrospectAsync(gateway, token)).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromSeconds(1));
        await AssertInactiveAsync(gateway, token);
        Assert.True((await IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromMinutes(10));
        await AssertInactiveAsync(gateway, key);
    }

    [Fact]
    public async Task Key_revoked_by_DELETE_is_inactive_at_the_next_introspection_on_the_same_host()
    {
        await using var server = await StartAsync();
        using var dave = server.CreateClient("dave", "system:authenticated");
        using var gateway = server.CreateClient();
        var (key, id) = await CreateKeyAsync(dave, "one");
        var (other, _) = await CreateKeyAsync(dave, "two");
        Assert.True((await IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectAsync(gateway, key)).GetProperty("active").GetBoolean());

        using var revoke = await dave.DeleteAsync($"/v1/api-keys/{id}");
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        await AssertInactiveAsync(gateway, key);
        Assert.True((await IntrospectAsync(gateway, other)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_all_makes_every_earlier_token_and_key_inactive_at_the_next_introspection()
    {
        await using var server = await StartAsync();
        using var erin = server.CreateClient("erin", "system:authenticated");
        using var frank = server.CreateClient("frank", "system:authenticated");
        using var gateway = server.CreateClient();
        var token = await IssueTokenAsync(erin);
        var (key, _) = await CreateKeyAsync(erin);
        var frankToken = await IssueTokenAsync(frank);
        foreach (var credential in new[] { token, key, frankToken })
        {
            Assert.True((await IntrospectAsync(gateway, credential)).GetProperty("active").GetBoolean());
        }

        server.Clock.Advance(TimeSpan.FromMilliseconds(10));
        using var revoke = await erin.DeleteAsync("/v1/tokens");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        await AssertInactiveAsync(gateway, token);
        await AssertInactiveAsync(gateway, key);
        Assert.True((await IntrospectAsync(gateway, frankToken)).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await IssueTokenAsync(erin);
        Assert.True((await IntrospectAsync(gateway, fresh)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Malformed_unknown_mistyped_and_foreign_credentials_all_answer_only_active_false()
    {
        await using var server = await StartAsync();
        await using var elsewhere = await StartAsync();
        using var gina = elsewhere.CreateClient("gina", "system:authenticated");
        var foreignToken = await IssueTokenAsync(gina);
        var (foreignKey, _) = await CreateKeyAsync(gina);
        var mistypedKey = foreignKey[..^8] + (foreignKey[^8] == 'a' ? 'b' : 'a') + foreignKey[^7..];
        using var gateway = server.CreateClient();

        foreach (var credential in new[]
        {
            "garbage", "sk-maas-", "sk-maas-short", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", new string('x', 20_000),
            foreignToken, foreignKey, mistypedKey, foreignToken[..^2] + "AA",
        })
        {
            await AssertInactiveAsync(gateway, credential);
        }
    }

    [Fact]
    public async Task Wrong_or_missing_client_credentials_are_401_with_a_Basic_challenge_and_problem_details()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var token = await IssueTokenAsync(alice);

        foreach (var authorization in new[]
        {
            Basic(ClientId, "wrong secret"),
            Basic("someone-else", ClientSecret),
            Basic(ClientId, ""),
            "not base64 at all",
            Convert.ToBase64String(Encoding.UTF8.GetBytes("no-colon")),
        })
        {
            using var response = await PostAsync(gateway, token, authorization);
            await AssertUnauthorizedAsync(response, token);
        }

        using var missing = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new FormUrlEncodedContent([new("token", token)]),
        };
        using var noAuth = await gateway.SendAsync(missing);
        await AssertUnauthorizedAsync(noAuth, token);

        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new FormUrlEncodedContent([new("token", token)]),
        };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var bearerAuth = await gateway.SendAsync(bearer);
        await AssertUnauthorizedAsync(bearerAuth, token);
    }

    [Fact]
    public async Task Client_that_does_not_form_encode_its_credentials_is_accepted_like_Go_SetBasicAuth()
    {
        const string simpleSecret = "0123456789abcdef0123456789abcdef";
        await using var server = await MaasTestHost.StartAsync(configure: builder =>
        {
            builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = "envoy";
            builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = SecretHash(simpleSecret);
            builder.Configuration["Maas:Gateway:Clients:1:ClientId"] = ClientId;
            builder.Configuration["Maas:Gateway:Clients:1:SecretHash"] = "sha256:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(ClientSecret)));
        });
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var gateway = server.CreateClient();
        var token = await IssueTokenAsync(alice);

        using var raw = await PostAsync(gateway, token, Convert.ToBase64String(Encoding.UTF8.GetBytes("envoy:" + simpleSecret)));
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        using var rawBody = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());
        Assert.Equal("envoy", rawBody.RootElement.GetProperty("client_id").GetString());

        // The second client's hash is in base64 rather than hex.
        using var encoded = await PostAsync(gateway, token);
        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
    }

    [Fact]
    public async Task A_badly_framed_form_is_400_invalid_request()
    {
        await using var server = await StartAsync();
        var headers = new Dictionary<string, string>
        {
            ["Authorization"] = "Basic " + Basic(ClientId, ClientSecret),
            ["Content-Type"] = "application/x-www-form-urlencoded",
        };

        var (status, response) = await Maas.Testing.BadlyFramedRequest.SendAsync(server.BaseAddress, "POST", "/v1/introspect", headers, "token=sk-maas-");

        Assert.True(status == 400, response);
        Assert.Contains("\"error\":\"invalid_request\"", response, StringComparison.Ordinal);
        Assert.Contains("could not be read", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_token_is_400_invalid_request_non_form_body_415_and_oversized_body_413()
    {
        await using var server = await StartAsync();
        using var gateway = server.CreateClient();
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Basic(ClientId, ClientSecret));

        using var noToken = await gateway.PostAsync("/v1/introspect", new FormUrlEncodedContent([new("token_type_hint", "access_token")]));
        await AssertOAuthErrorAsync(noToken, HttpStatusCode.BadRequest, "invalid_request");

        using var emptyToken = await gateway.PostAsync("/v1/introspect", new FormUrlEncodedContent([new("token", "")]));
        await AssertOAuthErrorAsync(emptyToken, HttpStatusCode.BadRequest, "invalid_request");

        using var twice = await gateway.PostAsync("/v1/introspect", new StringContent("token=a&token=b", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await AssertOAuthErrorAsync(twice, HttpStatusCode.BadRequest, "invalid_request");

        using var json = await gateway.PostAsync("/v1/introspect", MaasTestHost.Json("""{"token":"x"}"""));
        await AssertOAuthErrorAsync(json, HttpStatusCode.UnsupportedMediaType, "invalid_request");

        // Expect: 100-continue lets the server refuse before the client sends the body, so the
        // connection is not reset while the client is still writing.
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/introspect")
        {
            Content = new StringContent("token=" + new string('a', 1024 * 1024 + 10), Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        hugeRequest.Headers.ExpectContinue = true;
        using var huge = await gateway.SendAsync(hugeRequest);
        await AssertOAuthErrorAsync(huge, HttpStatusCode.RequestEntityTooLarge, "invalid_request");

        // The hint is accepted whatever it says; the credential's shape decides.
        using var hinted = await PostAsync(gateway, "garbage", hint: "refresh_token");
        Assert.Equal("""{"active":false}""", await hinted.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Introspection_is_refused_to_everyone_when_no_gateway_client_is_configured()
    {
        await using var server = await MaasTestHost.StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated");
        var token = await IssueTokenAsync(alice);
        using var response = await PostAsync(server.CreateClient(), token);
        await AssertUnauthorizedAsync(response, token);
    }

    [Fact]
    public async Task Made_up_keys_reach_the_store_only_within_the_lookup_budget_once_each_and_keys_failing_the_checksum_never()
    {
        var store = new CountingKeyStore(InMemoryStorage.CreateKeyStore());
        await using var server = await StartAsync(b => b.Services.Replace(ServiceDescriptor.Singleton<IKeyStore>(store)));
        await using var elsewhere = await MaasTestHost.StartAsync();
        using var gina = elsewhere.CreateClient("gina", "system:authenticated");
        var madeUp = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            madeUp.Add((await CreateKeyAsync(gina, "k" + i)).Key);
        }

        using var gateway = server.CreateClient();
        for (var round = 0; round < 3; round++)
        {
            foreach (var key in madeUp)
            {
                await AssertInactiveAsync(gateway, key);
                await AssertInactiveAsync(gateway, key[..^1] + (key[^1] == 'a' ? 'b' : 'a'));
            }
        }

        // The membership filter refuses them in memory; the host's clock stands still, so the budget
        // of 10 lookups for keys created on another replica a moment ago never refills.
        Assert.InRange(store.FindByHashCalls, 0, 11);
        Assert.All(store.FindsByHash.Values, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task Discovery_advertises_introspection_and_its_jwks_uri_verifies_a_token_with_Microsoft_IdentityModel()
    {
        await using var server = await StartAsync();
        using var alice = server.CreateClient("alice", "system:authenticated", "tier-premium-users");
        var token = await IssueTokenAsync(alice);
        using var anonymous = server.CreateClient();

        using var discovery = JsonDocument.Parse(await anonymous.GetStringAsync("/.well-known/openid-configuration"));
        var root = discovery.RootElement;
        Assert.Equal(new Uri(server.BaseAddress, "/v1/introspect").ToString(), root.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(["client_secret_basic"], root.GetProperty("introspection_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));

        var jwks = await anonymous.GetStringAsync(new Uri(root.GetProperty("jwks_uri").GetString()!));
        var result = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(token, new Microsoft.IdentityModel.Tokens.TokenValidationParameters
        {
            IssuerSigningKeys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(jwks).GetSigningKeys(),
            ValidIssuer = root.GetProperty("issuer").GetString(),
            ValidAudience = "maas-default-gateway-sa",
            ValidAlgorithms = ["ES256"],
            LifetimeValidator = (notBefore, expires, _, _) =>
                notBefore <= server.Clock.GetUtcNow().UtcDateTime && server.Clock.GetUtcNow().UtcDateTime < expires,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("premium", result.Claims["tier"]);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string token)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic realm=\"maas\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(token, body, StringComparison.Ordinal);
        Assert.DoesNotContain(ClientSecret, body, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("invalid_client", problem.RootElement.GetProperty("error").GetString());
        Assert.False(problem.RootElement.TryGetProperty("active", out _));
    }

    private static async Task AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(error, problem.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("error_description").GetString()));
    }
}
