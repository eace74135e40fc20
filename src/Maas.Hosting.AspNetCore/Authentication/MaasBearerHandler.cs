using System.Security.Claims;
using System.Text.Encodings.Web;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Accepts a token or API key issued by Maas in <c>Authorization: Bearer</c>. It identifies the
/// user for read endpoints; it never grants the right to mint credentials.
/// </summary>
internal sealed class MaasBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    MaasCallerResolver callers)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var (validation, error) = await callers.ValidateBearerAsync(Context).ConfigureAwait(false);
        if (validation is null)
        {
            // The challenge answers with exactly what the Maas endpoints would have answered.
            Context.Items[typeof(MaasBearerHandler)] = error;
            return AuthenticateResult.Fail(error!.Message);
        }

        var identity = new ClaimsIdentity(MaasAuthenticationDefaults.BearerScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, validation.User!.Name));
        foreach (var group in validation.User.Groups)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.GroupClaim, group));
        }

        identity.AddClaim(new Claim(MaasAuthenticationDefaults.TierClaim, validation.Tier!.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var answer = Context.Items[typeof(MaasBearerHandler)] as ErrorResult
            ?? MaasCallerResolver.Unauthorized(MaasCallerResolver.MissingCredentialsMessage, bearer: true);
        await answer.ExecuteAsync(Context).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResult.WriteAsync(Context, StatusCodes.Status403Forbidden, "The caller may not use this endpoint.");
}
