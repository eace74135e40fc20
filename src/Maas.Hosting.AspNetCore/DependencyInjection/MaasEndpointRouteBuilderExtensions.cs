using Maas.Hosting.Authentication;
using Maas.Hosting.Endpoints;
using Maas.Hosting.Errors;
using Maas.Hosting.Introspection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Maas REST API (compatible with the Go <c>maas-api</c>) onto an application.</summary>
public static class MaasEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c>, <c>/v1/tokens</c>, <c>/v1/api-keys</c>, <c>/v1/models</c>,
    /// <c>/v1/tiers/lookup</c>, <c>/v1/introspect</c> (RFC 7662) and the <c>/.well-known</c> documents. Requires <c>AddMaas()</c>.
    /// </summary>
    /// <returns>A builder to add conventions (rate limiting, CORS) to every Maas endpoint.</returns>
    public static IEndpointConventionBuilder MapMaasApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var root = endpoints.MapGroup("");
        root.AddEndpointFilter<MaasErrorFilter>();

        root.MapGet("/health", HealthEndpoints.Get).AllowAnonymous();

        var manage = root.MapGroup("/v1").RequireAuthorization(MaasAuthenticationDefaults.ManagePolicy);
        manage.MapPost("/tokens", TokenEndpoints.IssueAsync);
        manage.MapDelete("/tokens", TokenEndpoints.RevokeAllAsync);
        manage.MapPost("/api-keys", ApiKeyEndpoints.CreateAsync);
        manage.MapDelete("/api-keys/{id}", ApiKeyEndpoints.RevokeAsync);

        var read = root.MapGroup("/v1").RequireAuthorization(MaasAuthenticationDefaults.ReadPolicy);
        read.MapGet("/api-keys", ApiKeyEndpoints.ListAsync);
        read.MapGet("/api-keys/{id}", ApiKeyEndpoints.GetAsync);
        read.MapGet("/models", ModelEndpoints.ListAsync).WithMetadata(OpenAiErrorsMetadata.Instance);

        // Called by the gateway itself, before a user identity exists.
        root.MapPost("/v1/tiers/lookup", TierEndpoints.LookupAsync).AllowAnonymous();

        // RFC 7662: gateway clients authenticate with HTTP Basic inside the handler, not as users.
        root.MapPost("/v1/introspect", IntrospectionEndpoint.IntrospectAsync).AllowAnonymous().DisableAntiforgery();

        root.MapGet("/.well-known/jwks.json", DiscoveryEndpoints.Jwks).AllowAnonymous();
        root.MapGet("/.well-known/openid-configuration", DiscoveryEndpoints.OpenIdConfiguration).AllowAnonymous();
        return root;
    }
}
