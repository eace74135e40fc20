using Maas.ApiKeys;
using Maas.Hosting.Errors;
using Maas.Hosting.Throttling;
using Maas.Users;
using Maas.Validation;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Establishes who calls a Maas endpoint: the gateway's identity headers, or, where the endpoint
/// allows it, a token or key issued by Maas as a bearer credential. It runs inside the endpoint
/// rather than through the authentication and authorization middleware, which would create
/// handlers, a principal and a policy evaluation on every request of the platform's hot path;
/// the same rules are offered to other endpoints as the <c>MaasGateway</c> and <c>MaasBearer</c> schemes.
/// </summary>
internal sealed class MaasCallerResolver(GatewayIdentityReader gateway, MaasService service, FailedAuthenticationThrottle throttle)
{
    private const string BearerPrefix = "Bearer ";

    public ValueTask<(MaasUser? User, ErrorResult? Error)> ResolveAsync(HttpContext context, bool allowBearer)
    {
        // An address that failed too often waits, whatever it presents now: otherwise a guess that
        // hits would still stand out from the refusals.
        if (throttle.IsThrottled(context, out var wait))
        {
            return ValueTask.FromResult<(MaasUser?, ErrorResult?)>((null, ErrorResult.TooManyFailedAuthentications(wait)));
        }

        switch (gateway.Read(context, out var user, out var failure))
        {
            case GatewayIdentityOutcome.Established:
                Identify(context, user!);
                return ValueTask.FromResult<(MaasUser?, ErrorResult?)>((user, null));
            case GatewayIdentityOutcome.Refused:
                return ValueTask.FromResult<(MaasUser?, ErrorResult?)>((null, Unauthorized(failure!)));
        }

        if (!allowBearer || context.Request.Headers.Authorization.Count == 0)
        {
            return ValueTask.FromResult<(MaasUser?, ErrorResult?)>((null, allowBearer
                ? Unauthorized(MissingCredentialsMessage)
                : Unauthorized(gateway.MissingIdentityMessage(context))));
        }

        return ResolveBearerAsync(context);
    }

    private static bool TryReadBearer(HttpContext context, out string credential, out string? failure)
    {
        credential = "";
        failure = null;
        var authorization = context.Request.Headers.Authorization;
        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            failure = "Authorization header must be 'Bearer <token or key>'.";
            return false;
        }

        credential = value.AsSpan(BearerPrefix.Length).Trim().ToString();
        if (credential.Length == 0)
        {
            failure = "Authorization header carries an empty bearer credential.";
            return false;
        }

        return true;
    }

    private async ValueTask<(MaasUser? User, ErrorResult? Error)> ResolveBearerAsync(HttpContext context)
    {
        var (validation, error) = await ValidateBearerAsync(context).ConfigureAwait(false);
        if (validation?.User is { } user)
        {
            Identify(context, user);
        }

        return (validation?.User, error);
    }

    // The caller's name becomes HttpContext.User, where request logging looks for it (a name, never a credential).
    private static void Identify(HttpContext context, MaasUser user) =>
        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, user.Name)], "Maas"));

    /// <summary>
    /// Validates the request's <c>Authorization: Bearer</c> credential: the valid validation, or the
    /// answer to give (401 with a <c>Bearer</c> challenge, or 503 while the store is unreachable).
    /// </summary>
    public async ValueTask<(CredentialValidation? Validation, ErrorResult? Error)> ValidateBearerAsync(HttpContext context)
    {
        if (throttle.IsThrottled(context, out var wait))
        {
            return (null, ErrorResult.TooManyFailedAuthentications(wait));
        }

        if (!TryReadBearer(context, out var credential, out var failure))
        {
            throttle.RecordFailure(context, FailedAuthenticationKind.BearerCredential);
            return (null, Unauthorized(failure!, bearer: true));
        }

        try
        {
            var validation = await service.ValidateAsync(credential, context.RequestAborted).ConfigureAwait(false);
            if (validation.IsValid)
            {
                return (validation, null);
            }

            throttle.RecordFailure(context, FailedAuthenticationKind.BearerCredential);
            return (null, Unauthorized("The bearer credential is invalid, expired or revoked.", bearer: true));
        }
        catch (StoreUnavailableException)
        {
            return (null, ErrorResult.StoreUnavailable());
        }
    }

    /// <summary>What a caller that sent neither identity headers nor a bearer credential is told.</summary>
    public const string MissingCredentialsMessage =
        "Missing credentials: the gateway must send the identity headers, or send Authorization: Bearer <token or key>.";

    internal static ErrorResult Unauthorized(string message, bool bearer = false) =>
        new(StatusCodes.Status401Unauthorized, message, wwwAuthenticate: bearer ? "Bearer" : null);
}
