using System.Security.Claims;
using System.Text.Encodings.Web;
using Maas.ApiKeys;
using Maas.Hosting.Errors;
using Maas.Hosting.Throttling;
using Maas.Users;
using Maas.Validation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Maas's sign-in ways as one ASP.NET Core authentication handler, registered as three schemes:
/// <c>MaasGateway</c> (the gateway's identity headers, trusted with the shared secret or from loopback
/// in Development), <c>MaasBearer</c> (a token or key issued by Maas) and <c>Maas</c> (headers when
/// present, else the bearer credential). An address that failed too often is answered 429 whatever it
/// presents. The principal carries the user in the <see cref="MaasClaimsOptions"/> claim types; one
/// signed in with a Maas credential has the <c>MaasBearer</c> authentication type and a
/// <c>maas:credential</c> claim, and the minting endpoints refuse it whatever policy they run under.
/// </summary>
internal sealed class MaasAuthenticationHandler(
    IOptionsMonitor<MaasAuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    GatewayIdentityReader gateway,
    CredentialValidationService credentials,
    FailedAuthenticationThrottle throttle,
    IOptionsMonitor<MaasClaimsOptions> claims)
    : AuthenticationHandler<MaasAuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    /// <summary>What a caller that sent neither identity headers nor a bearer credential is told.</summary>
    public const string MissingCredentialsMessage =
        "Missing credentials: the gateway must send the identity headers, or send Authorization: Bearer <token or key>.";

    private const string BearerPrefix = "Bearer ";

    // The answer the challenge gives when authentication failed (the handler lives for one request).
    private MaasError? _refusal;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // An address that failed too often waits, whatever it presents now: otherwise a guess that
        // hits would still stand out from the refusals.
        if (throttle.IsThrottled(Context, out var wait))
        {
            return Refuse(MaasError.TooManyFailedAuthentications(wait));
        }

        if (Options.AcceptsGatewayHeaders)
        {
            switch (gateway.Read(Context, out var user, out var failure))
            {
                case GatewayIdentityOutcome.Established:
                    return Success(user!, MaasAuthenticationDefaults.GatewayScheme, credential: null, tier: null);
                case GatewayIdentityOutcome.Refused:
                    return Refuse(MaasError.Unauthorized(failure!));
            }
        }

        if (Options.AcceptsBearer && Request.Headers.Authorization.Count > 0)
        {
            return await AuthenticateBearerAsync().ConfigureAwait(false);
        }

        return AuthenticateResult.NoResult();
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var answer = _refusal ?? (Options switch
        {
            { AcceptsGatewayHeaders: true, AcceptsBearer: false } => MaasError.Unauthorized(gateway.MissingIdentityMessage(Context)),
            { AcceptsGatewayHeaders: false } => MaasError.BearerUnauthorized(MissingCredentialsMessage),
            _ => MaasError.Unauthorized(MissingCredentialsMessage),
        });
        await answer.ExecuteAsync(Context).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        MaasError.Create(StatusCodes.Status403Forbidden, "The caller may not use this endpoint.").ExecuteAsync(Context);

    private async Task<AuthenticateResult> AuthenticateBearerAsync()
    {
        var authorization = Request.Headers.Authorization;
        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("Authorization header must be 'Bearer <token or key>'."));
        }

        var credential = value.AsSpan(BearerPrefix.Length).Trim().ToString();
        if (credential.Length == 0)
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("Authorization header carries an empty bearer credential."));
        }

        CredentialValidation validation;
        try
        {
            validation = await credentials.ValidateAsync(credential, Context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            return Refuse(MaasError.StoreUnavailable(ex.Service));
        }

        if (!validation.IsValid)
        {
            throttle.RecordFailure(Context, FailedAuthenticationKind.BearerCredential);
            return Refuse(MaasError.BearerUnauthorized("The bearer credential is invalid, expired or revoked."));
        }

        var kind = validation.Kind == CredentialKind.Token ? MaasAuthenticationDefaults.TokenCredential : MaasAuthenticationDefaults.ApiKeyCredential;
        return Success(validation.User, MaasAuthenticationDefaults.BearerScheme, kind, validation.Tier.Name);
    }

    private AuthenticateResult Refuse(MaasError answer)
    {
        _refusal = answer;
        return AuthenticateResult.Fail(answer.Message);
    }

    private AuthenticateResult Success(MaasUser user, string authenticationType, string? credential, string? tier)
    {
        var types = claims.CurrentValue;
        var identity = new ClaimsIdentity(authenticationType, types.NameClaimType, types.GroupClaimType);
        identity.AddClaim(new Claim(types.NameClaimType, user.Name));
        foreach (var group in user.Groups)
        {
            identity.AddClaim(new Claim(types.GroupClaimType, group));
        }

        if (credential is not null)
        {
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.CredentialClaim, credential));
            identity.AddClaim(new Claim(MaasAuthenticationDefaults.TierClaim, tier!));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
