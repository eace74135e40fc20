using System.Security.Claims;
using System.Text.Encodings.Web;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// The <c>MaasGateway</c> scheme, for the host's own endpoints: establishes the user from the
/// gateway's identity headers with the same rules as the Maas endpoints (shared secret, or
/// loopback in Development; untrusted headers stripped).
/// </summary>
internal sealed class GatewayHeaderHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    GatewayIdentityReader reader,
    Throttling.FailedAuthenticationThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (throttle.IsThrottled(Context, out var wait))
        {
            var answer = ErrorResult.TooManyFailedAuthentications(wait);
            Context.Items[typeof(GatewayHeaderHandler)] = answer;
            return Task.FromResult(AuthenticateResult.Fail(answer.Message));
        }

        switch (reader.Read(Context, out var user, out var failure))
        {
            case GatewayIdentityOutcome.None:
                return Task.FromResult(AuthenticateResult.NoResult());
            case GatewayIdentityOutcome.Refused:
                return Task.FromResult(AuthenticateResult.Fail(failure!));
        }

        var identity = new ClaimsIdentity(MaasAuthenticationDefaults.GatewayScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, user!.Name));
        foreach (var group in user.Groups)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.GroupClaim, group));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        if (Context.Items[typeof(GatewayHeaderHandler)] is ErrorResult throttled)
        {
            await throttled.ExecuteAsync(Context).ConfigureAwait(false);
            return;
        }

        var message = result.Failure?.Message ?? reader.MissingIdentityMessage(Context);
        await ErrorResult.WriteAsync(Context, StatusCodes.Status401Unauthorized, message).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResult.WriteAsync(Context, StatusCodes.Status403Forbidden, "The caller may not use this endpoint.");
}
