using System.Security.Claims;
using System.Text.Encodings.Web;
using Maas.ApiKeys;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Throttling;
using Maas.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Authentication;

/// <summary>
/// Signs a caller in with a cluster bearer token (<c>Authorization: Bearer $(oc whoami -t)</c>) as the
/// user and groups the API server's TokenReview names (<see cref="KubernetesTokenReviewer"/>, cached
/// briefly). That caller is the cluster identity, not a Maas credential, so it may mint tokens and keys.
/// A service-account token Maas issued (audience <c>&lt;instance&gt;-sa</c>) is reviewed with that audience
/// and signs in as a Maas credential (<c>maas:credential</c> = <c>token</c>), which cannot mint. Maas's
/// own keys and tokens are never sent to the cluster (no result: the <c>MaasBearer</c> scheme's). A
/// refused review is 401; an API server that cannot review is 503 naming it.
/// </summary>
internal sealed class TokenReviewAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    KubernetesTokenReviewer reviewer,
    IOptions<MaasKubernetesOptions> kubernetes,
    IOptionsMonitor<MaasOptions> maas,
    IOptionsMonitor<MaasClaimsOptions> claims,
    FailedAuthenticationThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    // The answer the challenge gives when authentication failed (the handler lives for one request).
    private MaasError? _refusal;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (throttle.IsThrottled(Context, out var wait))
        {
            return Refuse(MaasError.TooManyFailedAuthentications(wait));
        }

        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("Authorization header must be 'Bearer <token>'."));
        }

        var token = value.AsSpan(BearerPrefix.Length).Trim().ToString();
        if (token.Length == 0)
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("Authorization header carries an empty bearer credential."));
        }

        var options = kubernetes.Value;
        var kind = BearerClassifier.Classify(token, maas.CurrentValue.Issuer, options.TokenAudience);
        if (kind == BearerKind.Maas)
        {
            return AuthenticateResult.NoResult();
        }

        MaasUser? user;
        try
        {
            user = kind == BearerKind.MaasServiceAccount
                ? await reviewer.ReviewForAudiencesAsync(token, [options.TokenAudience], Context.RequestAborted).ConfigureAwait(false)
                : await reviewer.ReviewAsync(token, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            return Refuse(MaasError.StoreUnavailable(ex.Service));
        }

        if (user is null)
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("The Kubernetes API server did not authenticate the bearer token (TokenReview): it is invalid, expired, revoked or for another audience."));
        }

        return Success(user, kind == BearerKind.MaasServiceAccount ? TierOf(user.Name, options) : null, kind == BearerKind.MaasServiceAccount);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var answer = _refusal ?? MaasError.BearerUnauthorized("Missing credentials: send Authorization: Bearer <Kubernetes token>, for example $(oc whoami -t).");
        await answer.ExecuteAsync(Context).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        MaasError.Create(StatusCodes.Status403Forbidden, "The caller may not use this endpoint.").ExecuteAsync(Context);

    /// <summary>The tier of a service account Maas made: its namespace is <c>&lt;instance&gt;-tier-&lt;tier&gt;</c>.</summary>
    private static string? TierOf(string userName, MaasKubernetesOptions options)
    {
        var prefix = ServiceAccountPrefix + options.TierNamespace("");
        if (!userName.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = userName.IndexOf(':', prefix.Length);
        return end > prefix.Length ? userName[prefix.Length..end] : null;
    }

    private AuthenticateResult Refuse(MaasError answer)
    {
        _refusal = answer;
        return AuthenticateResult.Fail(answer.Message);
    }

    private AuthenticateResult Success(MaasUser user, string? tier, bool maasCredential)
    {
        var types = claims.CurrentValue;
        var identity = new ClaimsIdentity(Scheme.Name, types.NameClaimType, types.GroupClaimType);
        identity.AddClaim(new Claim(types.NameClaimType, user.Name));
        foreach (var group in user.Groups)
        {
            identity.AddClaim(new Claim(types.GroupClaimType, group));
        }

        if (maasCredential)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.CredentialClaim, MaasAuthenticationDefaults.TokenCredential));
            if (tier is not null)
            {
                identity.AddClaim(new Claim(MaasAuthenticationDefaults.TierClaim, tier));
            }
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
