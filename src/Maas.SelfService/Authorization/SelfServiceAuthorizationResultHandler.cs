using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Authorization;

/// <summary>
/// Answers the policies' refusals on the page's endpoints with the page's own screens: a user who is not
/// an administrator gets the 403 screen "Administrators only" (not the scheme's forbid, which for cookies
/// would redirect to an access-denied page the host may not have), and a caller who is not signed in gets
/// the scheme's challenge (a cookie or OpenID Connect sign-in) or, when
/// <see cref="MaasSelfServiceOptions.ChallengeAnonymousCallers"/> is off, the 401 screen. Everything else,
/// the host's endpoints included, goes to the framework's default handler.
/// </summary>
internal sealed class SelfServiceAuthorizationResultHandler(IOptions<MaasSelfServiceOptions> options) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Succeeded
            || context.GetEndpoint()?.Metadata.GetMetadata<SelfServiceEndpoint>() is null
            || (authorizeResult.Challenged && options.Value.ChallengeAnonymousCallers))
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        // The page model answers the screen before any handler runs (SelfServicePageModel).
        context.Features.Set(new SelfServiceAccess(authorizeResult.Challenged ? SelfServiceRefusal.NotSignedIn : SelfServiceRefusal.Forbidden));
        return next(context);
    }
}
