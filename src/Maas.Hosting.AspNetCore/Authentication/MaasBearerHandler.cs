using System.Security.Claims;
using System.Text.Encodings.Web;
using Maas.ApiKeys;
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
    MaasService service)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers.Authorization.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (!MaasCallerResolver.TryReadBearer(Context, out var credential, out var failure))
        {
            return AuthenticateResult.Fail(failure!);
        }

        Maas.Validation.CredentialValidation validation;
        try
        {
            validation = await service.ValidateAsync(credential, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            Context.Items[typeof(StoreUnavailableException)] = true;
            return AuthenticateResult.Fail("The key store is temporarily unavailable; retry shortly.");
        }

        if (!validation.IsValid)
        {
            return AuthenticateResult.Fail("The bearer credential is invalid, expired or revoked.");
        }

        var identity = new ClaimsIdentity(MaasAuthenticationDefaults.BearerScheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, validation.User.Name));
        foreach (var group in validation.User.Groups)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.GroupClaim, group));
        }

        identity.AddClaim(new Claim(MaasAuthenticationDefaults.TierClaim, validation.Tier.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        if (Context.Items.ContainsKey(typeof(StoreUnavailableException)))
        {
            Response.Headers.RetryAfter = "1";
            await ErrorResult.WriteAsync(Context, StatusCodes.Status503ServiceUnavailable, "The key store is temporarily unavailable; retry shortly.").ConfigureAwait(false);
            return;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        await ErrorResult.WriteAsync(
            Context,
            StatusCodes.Status401Unauthorized,
            result.Failure?.Message ?? "Missing credentials: the gateway must send the identity headers, or send Authorization: Bearer <token or key>.").ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResult.WriteAsync(Context, StatusCodes.Status403Forbidden, "The caller may not use this endpoint.");
}
