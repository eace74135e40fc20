using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Maas.Api.Tests;

/// <summary>
/// The Kuadrant recipe (<c>deploy/kuadrant/authpolicy.yaml</c>) delegates the decision on every
/// bearer credential to Maas's introspection: read the recipe, make the call it configures with
/// the client its credentials name, revoke, and see the decision turn to refusal within the delay
/// README states (Maas's side is immediate; the recipe's cache TTL is the rest).
/// </summary>
public sealed partial class KuadrantRevocationTests
{
    private static readonly string s_recipePath = Path.Combine(HostPaths.RepositoryRoot, "deploy", "kuadrant", "authpolicy.yaml");

    [Fact]
    public async Task The_recipe_refuses_a_revoked_token_and_key_within_the_delay_readme_states()
    {
        var recipe = Recipe.Load();
        var readme = File.ReadAllText(Path.Combine(HostPaths.RepositoryRoot, "README.md"));
        var statedDelay = int.Parse(StatedDelay().Match(readme) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("README states no revocation delay for the Kuadrant path"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(recipe.CacheTtlSeconds, 1, statedDelay);

        // The client the recipe's credentials name, as README tells how to create its Secret.
        var secretCommand = ClientSecretCommand().Match(readme);
        Assert.True(secretCommand.Success, "README shows no command creating the introspection client's Secret");
        Assert.Equal(recipe.CredentialsSecret, secretCommand.Groups["name"].Value);
        var clientId = secretCommand.Groups["id"].Value;
        const string clientSecret = "a-random-client-secret-of-the-gateway-0123456789";

        await using var server = await MaasApiServer.StartAsync(configure: builder =>
        {
            builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = clientId;
            builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientSecret)));
        });
        using var alice = server.CreateClient("alice", "system:authenticated");
        var token = await CredentialAsync(alice, "/v1/tokens", "{}");
        var key = await CredentialAsync(alice, "/v1/api-keys", """{"name":"gateway-path"}""");
        using var authorino = server.CreateClient();

        foreach (var credential in new[] { token, key })
        {
            var identity = await recipe.DecideAsync(authorino, clientId, clientSecret, credential);
            Assert.NotNull(identity);
            Assert.Equal("alice", identity.Value.GetProperty("sub").GetString());
            Assert.Equal("free", identity.Value.GetProperty("tier").GetString());
        }

        // The fake clock stands still: let the revocation come after the issuance, as it does in life.
        server.Clock.Advance(TimeSpan.FromMilliseconds(10));
        using var revoke = await alice.DeleteAsync("/v1/tokens");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        // No clock advance, no wait: Maas refuses at once, so the recipe refuses once its cache entry (≤ TTL) is gone.
        foreach (var credential in new[] { token, key })
        {
            Assert.Null(await recipe.DecideAsync(authorino, clientId, clientSecret, credential));
        }
    }

    [Fact]
    public void Every_bearer_credential_goes_to_introspection_and_none_is_verified_offline()
    {
        var recipe = Recipe.Load();
        Assert.Equal("/v1/introspect", recipe.Endpoint.AbsolutePath);
        Assert.Equal("http://maas-api.maas-api.svc.cluster.local:8080", recipe.Endpoint.GetLeftPart(UriPartial.Authority));
        Assert.Equal("context.request.http.headers.authorization", recipe.CacheKey); // whole header, case kept
        Assert.Equal("maas-default-gateway-sa", recipe.Audience);
    }

    private static async Task<string> CredentialAsync(HttpClient client, string path, string body)
    {
        using var response = await client.PostAsync(path, MaasApiServer.Json(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("token").GetString()!;
    }

    [GeneratedRegex(@"Revocation\s+delay\s+on\s+this\s+path:\s+at\s+most\s+(\d+)\s+seconds")]
    private static partial Regex StatedDelay();

    [GeneratedRegex(@"create secret generic (?<name>[a-z0-9-]+) \\\s+--from-literal=clientID=(?<id>[^\s]+)")]
    private static partial Regex ClientSecretCommand();

    [GeneratedRegex("""^auth\.identity\.token_type != "access_token" \|\| auth\.identity\.aud == "(?<aud>[^"]+)"$""")]
    private static partial Regex AudiencePredicate();

    /// <summary>What the AuthPolicy configures, read from its YAML.</summary>
    private sealed record Recipe(Uri Endpoint, string CredentialsSecret, string? TokenTypeHint, string CacheKey, int CacheTtlSeconds, string Audience)
    {
        public static Recipe Load()
        {
            var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(s_recipePath));
            var rules = Map(Map(root["spec"])["rules"]);
            var authentication = Map(rules["authentication"]);

            // One evaluator, for every bearer credential: no JWKS (jwt) check and no condition routing some credentials elsewhere.
            var evaluator = Map(Assert.Single(authentication).Value);
            Assert.False(evaluator.ContainsKey("jwt"));
            Assert.False(evaluator.ContainsKey("when"));
            Assert.Equal("Bearer", (string)Map(Map(evaluator["credentials"])["authorizationHeader"])["prefix"]);
            var introspection = Map(evaluator["oauth2Introspection"]);
            var cache = Map(evaluator["cache"]);

            var patterns = (List<object>)Map(Map(Map(rules["authorization"])["audience"])["patternMatching"])["patterns"];
            var predicate = (string)Map(Assert.Single(patterns))["predicate"];
            var audience = AudiencePredicate().Match(predicate);
            Assert.True(audience.Success, "unexpected audience predicate: " + predicate);

            var identity = Map(Map(Map(Map(Map(rules["response"])["success"])["filters"])["identity"])["json"]);
            var properties = Map(identity["properties"]);
            Assert.Equal("auth.identity.sub", (string)Map(properties["userid"])["expression"]);
            Assert.Equal("auth.identity.tier", (string)Map(properties["tier"])["expression"]);

            return new Recipe(
                new Uri((string)introspection["endpoint"]),
                (string)Map(introspection["credentialsRef"])["name"],
                introspection.TryGetValue("tokenTypeHint", out var hint) ? (string)hint : null,
                (string)Map(cache["key"])["selector"],
                int.Parse((string)cache["ttl"], System.Globalization.CultureInfo.InvariantCulture),
                audience.Groups["aud"].Value);
        }

        /// <summary>
        /// Authorino's decision as the recipe configures it: introspect (form body, HTTP Basic as Go's
        /// <c>SetBasicAuth</c> sends it), require <c>active</c> and the audience rule; the identity or null.
        /// </summary>
        public async Task<JsonElement?> DecideAsync(HttpClient client, string clientId, string clientSecret, string credential)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint.PathAndQuery);
            var form = new List<KeyValuePair<string, string>> { new("token", credential) };
            if (TokenTypeHint is not null)
            {
                form.Add(new("token_type_hint", TokenTypeHint));
            }

            request.Content = new FormUrlEncodedContent(form);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId + ":" + clientSecret)));
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // a client the recipe names is accepted
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var answer = document.RootElement.Clone();
            if (!answer.GetProperty("active").GetBoolean())
            {
                return null;
            }

            var isToken = answer.GetProperty("token_type").GetString() == "access_token";
            return !isToken || answer.GetProperty("aud").GetString() == Audience ? answer : null;
        }

        private static Dictionary<object, object> Map(object value) => (Dictionary<object, object>)value;
    }
}
