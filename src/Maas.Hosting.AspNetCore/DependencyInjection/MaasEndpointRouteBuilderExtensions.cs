using Maas.Hosting.ApiKeys;
using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Hosting.Discovery;
using Maas.Hosting.Errors;
using Maas.Hosting.Health;
using Maas.Hosting.Introspection;
using Maas.Hosting.Models;
using Maas.Hosting.Tiers;
using Maas.Hosting.Usage;
using Maas.Hosting.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Maas REST API (compatible with the Go <c>maas-api</c>) onto an application.</summary>
public static class MaasEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>/health</c>, <c>/v1/tokens</c>, <c>/v1/api-keys</c> (with <c>/{id}/rotate</c>), <c>/v1/audit</c>, <c>/v1/usage/history</c>, <c>/v1/usage/report</c>, <c>/v1/models</c>,
    /// <c>/v1/tiers/lookup</c>, <c>/v1/introspect</c> (RFC 7662) and the <c>/.well-known</c> documents,
    /// the caller's endpoints under the <c>Maas.Manage</c> and <c>Maas.Read</c> policies. Requires <c>AddMaas()</c>
    /// and the authorization middleware (added by <c>WebApplication</c>, or call <c>UseAuthorization()</c> after <c>UseRouting()</c>).
    /// </summary>
    /// <returns>A builder to add conventions (rate limiting, CORS) to every Maas endpoint.</returns>
    public static IEndpointConventionBuilder MapMaasApi(this IEndpointRouteBuilder endpoints) =>
        MapMaasApi(endpoints, MaasAuthenticationDefaults.ManagePolicy, MaasAuthenticationDefaults.ReadPolicy);

    /// <summary>
    /// Maps the Maas API like <see cref="MapMaasApi(IEndpointRouteBuilder)"/>, with the caller's
    /// endpoints under the host's own authorization policies: <paramref name="managePolicy"/> for
    /// creating and revoking credentials, <paramref name="readPolicy"/> for listing keys and models.
    /// The caller is mapped from the signed-in principal (<c>MaasUserMapper</c>); a caller signed in
    /// with a Maas token or key is refused on the managing endpoints whatever the policy.
    /// </summary>
    /// <returns>A builder to add conventions (rate limiting, CORS) to every Maas endpoint.</returns>
    public static IEndpointConventionBuilder MapMaasApi(this IEndpointRouteBuilder endpoints, string managePolicy, string readPolicy)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(managePolicy);
        ArgumentException.ThrowIfNullOrWhiteSpace(readPolicy);
        var root = endpoints.MapGroup("");
        root.AddEndpointFilter<MaasErrorFilter>().WithMetadata(MaasEndpointMetadata.Instance);

        root.MapGet("/health", HealthEndpoints.Get).AllowAnonymous()
            .WithName("Health").WithSummary("Whether the process serves requests.").Produces<HealthResponse>();

        // The caller comes from HttpContext.User, signed in under each group's policy (by default:
        // the gateway's identity to mint and revoke; a Maas token or key too, to read). The
        // Produces metadata describes the wire for OpenAPI. No Accepts metadata: routing would then
        // answer an empty 415 to the curl -d bodies (form or text/plain) the Go service's clients
        // send, which JsonRequest accepts, and to other types before JsonRequest can say why.
        var manage = root.MapGroup("/v1").RequireAuthorization(managePolicy).WithMetadata(MintingEndpointMetadata.Instance);
        manage.MapPost("/tokens", TokenEndpoints.IssueAsync)
            .WithName("IssueToken").WithSummary("Issues an ephemeral token for the caller.")
            .Produces<TokenResponse>(StatusCodes.Status201Created).WithMaasErrors(400, 401, 403, 409, 413, 503);
        manage.MapDelete("/tokens", TokenEndpoints.RevokeAllAsync)
            .WithName("RevokeAllCredentials").WithSummary("Revokes every token and key the caller holds.")
            .Produces(StatusCodes.Status204NoContent).WithMaasErrors(401, 503);
        manage.MapPost("/api-keys", ApiKeyEndpoints.CreateAsync)
            .WithName("CreateApiKey").WithSummary("Creates a named API key; the key is shown once.")
            .Produces<ApiKeyCreatedResponse>(StatusCodes.Status201Created).WithMaasErrors(400, 401, 403, 413, 503);
        manage.MapDelete("/api-keys/{id}", ApiKeyEndpoints.RevokeAsync)
            .WithName("RevokeApiKey").WithSummary("Revokes one of the caller's keys (any user's for an administrator) and answers its state; 404 when already revoked.")
            .Produces<ApiKeyMetadata>().WithMaasErrors(401, 404, 503);
        manage.MapPost("/api-keys/bulk-revoke", ApiKeyEndpoints.BulkRevokeAsync)
            .WithName("BulkRevokeApiKeys").WithSummary("Revokes (or with dryRun counts) every active key of a user: the caller's own, or anyone's for an administrator.")
            .Produces<BulkRevokeResponse>().WithMaasErrors(400, 401, 403, 413, 503);
        manage.MapPost("/api-keys/{id}/rotate", ApiKeyRotationEndpoint.RotateAsync)
            .WithName("RotateApiKey").WithSummary("Replaces one of the caller's keys; the old one keeps working for the grace period. The new key is shown once.")
            .Produces<ApiKeyRotatedResponse>(StatusCodes.Status201Created).WithMaasErrors(400, 401, 403, 404, 409, 413, 503);
        manage.MapPut("/api-keys/{id}/limits", ApiKeyEndpoints.SetLimitsAsync)
            .WithName("SetApiKeyLimits").WithSummary("Sets or changes a key's own limits (administrators only; {} clears them), never above its owner's tier's. Audited.")
            .Produces<ApiKeyMetadata>().WithMaasErrors(400, 401, 403, 404, 413, 503);

        // The later Go service's cleanup, which its CronJob calls; here the caller must be an administrator.
        root.MapGroup("/internal/v1").RequireAuthorization(managePolicy).WithMetadata(MintingEndpointMetadata.Instance)
            .MapPost("/api-keys/cleanup", ApiKeyEndpoints.CleanupAsync)
            .WithName("CleanupEphemeralApiKeys").WithSummary("Deletes the ephemeral keys that expired more than the grace ago, now (administrators only).")
            .Produces<EphemeralCleanupResponse>().WithMaasErrors(401, 403, 503);

        var read = root.MapGroup("/v1").RequireAuthorization(readPolicy);
        read.MapGet("/api-keys", ApiKeyEndpoints.ListAsync)
            .WithName("ListApiKeys").WithSummary("Lists the caller's keys, newest first.")
            .Produces<ApiKeyMetadata[]>().WithMaasErrors(401, 503);
        read.MapGet("/api-keys/{id}", ApiKeyEndpoints.GetAsync)
            .WithName("GetApiKey").WithSummary("Returns one of the caller's keys (any user's for an administrator).")
            .Produces<ApiKeyMetadata>().WithMaasErrors(401, 404, 503);
        read.MapPost("/api-keys/search", ApiKeyEndpoints.SearchAsync)
            .WithName("SearchApiKeys").WithSummary("Searches keys by owner (another's for an administrator), status and labels, sorted, by offset or cursor.")
            .Produces<ApiKeySearchResponse>().WithMaasErrors(400, 401, 403, 413, 503);
        read.MapGet("/api-keys/config", ApiKeyEndpoints.Config)
            .WithName("GetApiKeyConfig").WithSummary("The lifetime limits that apply when creating keys.")
            .Produces<ApiKeyConfigResponse>().WithMaasErrors(401);
        read.MapGet("/audit", AuditEndpoint.ListAsync)
            .WithName("ListAuditEntries").WithSummary("Reads the audit trail of key management, newest first (administrators only).")
            .Produces<AuditEntryList>().WithMaasErrors(400, 401, 403, 503);
        read.MapGet("/usage/history", UsageHistoryEndpoint.GetAsync)
            .WithName("GetUsageHistory").WithSummary("Reads the caller's usage from the ledger, per hour, day or month and per model, key or label.")
            .Produces<UsageHistoryResponse>(StatusCodes.Status200OK, "application/json", UsageCsv.MediaType).WithMaasErrors(400, 401, 503);
        read.MapGet("/usage/report", UsageReportEndpoint.GetAsync)
            .WithName("GetUsageReport").WithSummary("Reads the usage of every user from the ledger, grouped by user, model, tier or label, most tokens first, in cursor pages (administrators only).")
            .Produces<UsageReportResponse>(StatusCodes.Status200OK, "application/json", UsageCsv.MediaType).WithMaasErrors(400, 401, 403, 503);
        read.MapGet("/models", ModelEndpoints.ListAsync).WithMetadata(OpenAiErrorsMetadata.Instance)
            .WithName("ListModels").WithSummary("Lists the models the caller's tier may use (OpenAI shape).")
            .Produces<ModelList>().Produces<OpenAiErrorResponse>(StatusCodes.Status401Unauthorized).Produces<OpenAiErrorResponse>(StatusCodes.Status403Forbidden);

        // Called by the gateway itself, before a user identity exists.
        root.MapPost("/v1/tiers/lookup", TierEndpoints.Lookup).AllowAnonymous()
            .WithName("LookupTier").WithSummary("Maps groups to the tier of highest level.")
            .Produces<TierLookupResponse>().WithMaasErrors(400, 404);

        // RFC 7662: gateway clients authenticate with HTTP Basic inside the handler, not as users.
        root.MapPost("/v1/introspect", IntrospectionEndpoint.IntrospectAsync).AllowAnonymous().DisableAntiforgery()
            .WithName("Introspect").WithSummary("RFC 7662 token introspection for gateway clients (HTTP Basic).")
            .Produces<IntrospectionResponse>().WithMaasErrors(400, 401, 413, 415, 503);

        root.MapGet("/.well-known/jwks.json", DiscoveryEndpoints.Jwks).AllowAnonymous()
            .WithName("Jwks").WithSummary("The public keys that verify Maas tokens.").Produces<JsonWebKeySetDocument>();
        root.MapGet("/.well-known/openid-configuration", DiscoveryEndpoints.OpenIdConfiguration).AllowAnonymous()
            .WithName("OpenIdConfiguration").WithSummary("Discovery document for gateways verifying tokens offline.").Produces<DiscoveryDocument>();
        return root;
    }

    private static RouteHandlerBuilder WithMaasErrors(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.Produces<MaasProblem>(status, "application/problem+json");
        }

        return builder;
    }
}
