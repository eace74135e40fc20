using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Maas.Hosting.Authentication;
using Maas.Tokens;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

/// <summary>
/// A platform service signs its users in with the framework's JWT bearer handler and its own issuer;
/// the Maas endpoints take their caller from that sign-in, while Maas's gateway scheme keeps
/// serving another route group of the same application.
/// </summary>
public sealed class HostSignInTests
{
    private const string GatewaySecret = "0123456789abcdef0123";
    private const string PlatformIssuer = "https://login.platform.test";
    private const string PlatformAudience = "platform-services";

    [Fact]
    public async Task A_user_signed_in_by_the_hosts_JWT_bearer_gets_tokens_and_keys_and_the_gateway_scheme_serves_another_group()
    {
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var app = await StartAsync(builder =>
        {
            builder.Services.AddAuthentication().AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = PlatformIssuer,
                    ValidAudience = PlatformAudience,
                    IssuerSigningKey = new ECDsaSecurityKey(signingKey),
                };
            });
            builder.Services.AddAuthorizationBuilder().AddPolicy("Platform", p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());
            builder.Services.Configure<MaasClaimsOptions>(o =>
            {
                o.NameClaimType = "sub";
                o.GroupClaimType = "groups";
            });
        }, app =>
        {
            app.MapMaasApi("Platform", "Platform");
            app.MapGroup("/ops").RequireAuthorization(MaasAuthenticationDefaults.ManagePolicy)
                .MapGet("/whoami", (ClaimsPrincipal principal, MaasUserMapper users) => users.Map(principal)!.Name + " " + string.Join(",", users.Map(principal)!.Groups));
        });

        using var alice = Client(app);
        alice.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformToken(signingKey, "alice", "tier-premium-users", "team-a"));

        using var issued = await alice.PostAsync("/v1/tokens", Json("""{"expiration":"1h"}"""));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var token = await ReadStringAsync(issued, "token");
        var claims = new JsonWebToken(token);
        Assert.Equal("alice", claims.Subject);
        Assert.Equal("premium", claims.GetClaim("tier").Value);

        using var created = await alice.PostAsync("/v1/api-keys", Json("""{"name":"alice-key"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var keyId = await ReadStringAsync(created, "jti");
        using (var listed = JsonDocument.Parse(await alice.GetStringAsync("/v1/api-keys")))
        {
            Assert.Equal([keyId], listed.RootElement.EnumerateArray().Select(k => k.GetProperty("id").GetString()));
        }

        using (var revoked = await alice.DeleteAsync("/v1/api-keys/" + keyId))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        // Under the host's policy the gateway's headers sign nobody in on the Maas endpoints...
        using var gateway = Client(app);
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);
        gateway.DefaultRequestHeaders.Add("X-MaaS-Username", "ops-bot");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"admin-group\"]");
        using (var refused = await gateway.PostAsync("/v1/tokens", Json("{}")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // ...while the group that requires Maas's gateway scheme serves them, and refuses the JWT.
        Assert.Equal("ops-bot admin-group", await gateway.GetStringAsync("/ops/whoami"));
        using var jwtOnOps = await alice.GetAsync("/ops/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, jwtOnOps.StatusCode);
        Assert.Contains("identity headers", await ReadStringAsync(jwtOnOps, "error"), StringComparison.Ordinal);

        // A platform token signed by someone else is refused by the host's handler.
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var forged = Client(app);
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformToken(stranger, "alice", "tier-premium-users"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("/v1/tokens", Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task A_principal_without_the_configured_name_claim_is_401_naming_the_claim()
    {
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var app = await StartAsync(builder =>
        {
            builder.Services.AddAuthentication().AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters { ValidIssuer = PlatformIssuer, ValidAudience = PlatformAudience, IssuerSigningKey = new ECDsaSecurityKey(signingKey) };
            });
            builder.Services.AddAuthorizationBuilder().AddPolicy("Platform", p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());
            builder.Services.Configure<MaasClaimsOptions>(o => o.NameClaimType = "preferred_username");
        }, app => app.MapMaasApi("Platform", "Platform"));

        using var client = Client(app);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PlatformToken(signingKey, "alice", "tier-premium-users"));
        using var response = await client.PostAsync("/v1/tokens", Json("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'preferred_username'", await ReadStringAsync(response, "error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Maas_token_or_key_cannot_mint_even_under_a_policy_that_accepts_the_Maas_bearer_scheme()
    {
        // A careless host: its policy accepts Maas's bearer credentials on every Maas endpoint.
        await using var app = await StartAsync(
            builder => builder.Services.AddAuthorizationBuilder()
                .AddPolicy("AnyMaas", p => p.AddAuthenticationSchemes(MaasAuthenticationDefaults.AnyScheme).RequireAuthenticatedUser()),
            app => app.MapMaasApi("AnyMaas", "AnyMaas"));

        using var gateway = Client(app);
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);
        gateway.DefaultRequestHeaders.Add("X-MaaS-Username", "mallory");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        using var tokenResponse = await gateway.PostAsync("/v1/tokens", Json("{}"));
        Assert.Equal(HttpStatusCode.Created, tokenResponse.StatusCode);
        var token = await ReadStringAsync(tokenResponse, "token");
        using var keyResponse = await gateway.PostAsync("/v1/api-keys", Json("""{"name":"k"}"""));
        var key = await ReadStringAsync(keyResponse, "token");

        foreach (var credential in new[] { token, key })
        {
            using var bearer = Client(app);
            bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
            Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/v1/models")).StatusCode);
            foreach (var (method, path) in new[] { ("POST", "/v1/tokens"), ("POST", "/v1/api-keys"), ("DELETE", "/v1/tokens"), ("DELETE", "/v1/api-keys/x") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? Json("""{"name":"again"}""") : null };
                using var refused = await bearer.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Contains("cannot create or revoke credentials", await ReadStringAsync(refused, "error"), StringComparison.Ordinal);
            }
        }

        Assert.Equal(HttpStatusCode.Created, (await gateway.PostAsync("/v1/tokens", Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task A_Maas_token_accepted_by_the_hosts_own_JWT_handler_reads_but_cannot_mint()
    {
        // A careless host: its own JWT handler trusts Maas's signing keys.
        var maasKeys = new List<SecurityKey>();
        await using var app = await StartAsync(builder =>
        {
            builder.Services.AddAuthentication().AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = "maas-api",
                    ValidAudience = "maas-default-gateway-sa",
                    IssuerSigningKeyResolver = (_, _, _, _) => maasKeys,
                };
            });
            builder.Services.AddAuthorizationBuilder().AddPolicy("Jwt", p => p.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());
            builder.Services.Configure<MaasClaimsOptions>(o =>
            {
                o.NameClaimType = "sub";
                o.GroupClaimType = "groups";
            });
        }, app => app.MapMaasApi("Jwt", "Jwt"));
        maasKeys.AddRange(app.Services.GetRequiredService<IJsonWebKeySource>().GetPublicKeys()
            .Select(k => new JsonWebKey { Kty = k.Kty, Crv = k.Crv, X = k.X, Y = k.Y, Kid = k.Kid, Alg = k.Alg, Use = k.Use }));
        var issued = await app.Services.GetRequiredService<Maas.Tokens.TokenService>().IssueAsync(new Users.MaasUser("mallory", ["system:authenticated"]), null);

        using var client = Client(app);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
        using var minted = await client.PostAsync("/v1/tokens", Json("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, minted.StatusCode);
        Assert.Contains("cannot create or revoke credentials", await ReadStringAsync(minted, "error"), StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas().UseInMemoryStorage();
        builder.Services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = GatewaySecret);
        configure(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    private static HttpClient Client(WebApplication app) =>
        new() { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

    private static string PlatformToken(ECDsa key, string subject, params string[] groups) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = PlatformIssuer,
            Audience = PlatformAudience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["groups"] = groups },
            Expires = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key), SecurityAlgorithms.EcdsaSha256),
        });

    private static async Task<string> ReadStringAsync(HttpResponseMessage response, string member)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty(member).GetString()!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
