using Maas.Hosting.Introspection;
using Maas.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Discovery;

/// <summary>The JWKS and discovery documents gateways use to verify Maas tokens offline.</summary>
internal static class DiscoveryEndpoints
{
    public static JsonHttpResult<JsonWebKeySetDocument> Jwks(HttpContext context, IJsonWebKeySource keys)
    {
        var publicKeys = keys.GetPublicKeys();
        var entries = new JsonWebKeyEntry[publicKeys.Count];
        for (var i = 0; i < publicKeys.Count; i++)
        {
            var key = publicKeys[i];
            entries[i] = new JsonWebKeyEntry { Kty = key.Kty, Crv = key.Crv, X = key.X, Y = key.Y, Kid = key.Kid, Alg = key.Alg, Use = key.Use };
        }

        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Json(new JsonWebKeySetDocument { Keys = entries }, MaasJsonContext.Default.JsonWebKeySetDocument, "application/json");
    }

    public static JsonHttpResult<DiscoveryDocument> OpenIdConfiguration(HttpContext context, IOptions<MaasOptions> options)
    {
        var request = context.Request;
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Json(
            new DiscoveryDocument
            {
                Issuer = options.Value.Issuer,
                JwksUri = baseUrl + "/.well-known/jwks.json",
                IntrospectionEndpoint = baseUrl + "/v1/introspect",
            },
            MaasJsonContext.Default.DiscoveryDocument);
    }
}
