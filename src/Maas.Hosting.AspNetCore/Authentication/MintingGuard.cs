using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Keeps a Maas credential from minting or revoking credentials whatever schemes and policies the
/// host configures: refuses a caller signed in by the <c>MaasBearer</c> way, one whose claims Maas
/// issued (the host's own JWT handler trusting Maas's keys), and a request presenting a Maas API key
/// that the gateway's headers did not sign in.
/// </summary>
internal sealed class MintingGuard(IOptionsMonitor<MaasOptions> options)
{
    public const string Message =
        "A token or key issued by Maas cannot create or revoke credentials: sign in as the user (the gateway's identity headers) instead.";

    // The prefixes Maas API keys start with (Maas.Core's key format: the default and the later Go service's).
    private const string BearerKeyPrefix = "Bearer sk-maas-";
    private const string BearerLaterKeyPrefix = "Bearer sk-oai-";

    public bool Refuses(HttpContext context)
    {
        var issuer = options.CurrentValue.Issuer;
        var fromGateway = false;
        foreach (var identity in context.User.Identities)
        {
            fromGateway |= string.Equals(identity.AuthenticationType, MaasAuthenticationDefaults.GatewayScheme, StringComparison.Ordinal);
            if (string.Equals(identity.AuthenticationType, MaasAuthenticationDefaults.BearerScheme, StringComparison.Ordinal))
            {
                return true;
            }

            foreach (var claim in identity.Claims)
            {
                if (string.Equals(claim.Type, MaasAuthenticationDefaults.CredentialClaim, StringComparison.Ordinal)
                    || (claim.Issuer != ClaimsIdentity.DefaultIssuer && string.Equals(claim.Issuer, issuer, StringComparison.Ordinal)))
                {
                    return true;
                }
            }
        }

        // The gateway vouched for the user; otherwise a key in the header means the host's own scheme accepted it.
        if (fromGateway)
        {
            return false;
        }

        foreach (var authorization in context.Request.Headers.Authorization)
        {
            if (authorization is not null
                && (authorization.TrimStart().StartsWith(BearerKeyPrefix, StringComparison.OrdinalIgnoreCase)
                    || authorization.TrimStart().StartsWith(BearerLaterKeyPrefix, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
