namespace Maas.Hosting.Authentication;

/// <summary>Names of the authentication schemes, authorization policies and claims Maas registers.</summary>
public static class MaasAuthenticationDefaults
{
    /// <summary>The scheme that trusts the gateway's identity headers (with the shared secret, or from loopback in Development).</summary>
    public const string GatewayScheme = "MaasGateway";

    /// <summary>The scheme that accepts a token or key issued by Maas as a bearer credential; it never lets the caller mint one.</summary>
    public const string BearerScheme = "MaasBearer";

    /// <summary>The scheme that uses the gateway's identity headers when present, else the bearer credential.</summary>
    public const string AnyScheme = "Maas";

    /// <summary>
    /// The policy of the endpoints that read (key listings, models): by default the <see cref="AnyScheme"/>
    /// scheme. Define a policy of this name to replace it, or name another one in <c>MapMaasApi</c>.
    /// </summary>
    public const string ReadPolicy = "Maas.Read";

    /// <summary>
    /// The policy of the endpoints that create or revoke credentials: by default the <see cref="GatewayScheme"/>
    /// scheme. Define a policy of this name to replace it, or name another one in <c>MapMaasApi</c>;
    /// a caller signed in with a Maas credential is refused there whatever the policy.
    /// </summary>
    public const string ManagePolicy = "Maas.Manage";

    /// <summary>The claim type Maas's schemes write each of the user's groups as, by default.</summary>
    public const string GroupClaim = "maas:group";

    /// <summary>The claim type holding the tier of a Maas bearer credential.</summary>
    public const string TierClaim = "maas:tier";

    /// <summary>The claim marking a caller signed in with a Maas credential: <c>token</c> or <c>api_key</c>.</summary>
    public const string CredentialClaim = "maas:credential";

    /// <summary>The <see cref="CredentialClaim"/> value of a caller signed in with a Maas API key.</summary>
    public const string ApiKeyCredential = "api_key";

    /// <summary>The <see cref="CredentialClaim"/> value of a caller signed in with a Maas token.</summary>
    public const string TokenCredential = "token";
}
