namespace Maas.Hosting.Authentication;

/// <summary>Names of the authentication schemes and authorization policies Maas registers.</summary>
public static class MaasAuthenticationDefaults
{
    /// <summary>The scheme that trusts the gateway's identity headers.</summary>
    public const string GatewayScheme = "MaasGateway";

    /// <summary>The scheme that accepts a token or key issued by Maas as a bearer credential.</summary>
    public const string BearerScheme = "MaasBearer";

    /// <summary>The scheme that picks gateway headers when present, else the bearer credential.</summary>
    public const string AnyScheme = "Maas";

    /// <summary>The policy of endpoints that read (models, key listings): gateway identity or a Maas credential.</summary>
    public const string ReadPolicy = "Maas.Read";

    /// <summary>The policy of endpoints that create or revoke credentials: gateway identity only.</summary>
    public const string ManagePolicy = "Maas.Manage";

    /// <summary>The claim type holding each of the user's groups.</summary>
    public const string GroupClaim = "maas:group";

    /// <summary>The claim type holding the tier of a Maas bearer credential.</summary>
    public const string TierClaim = "maas:tier";
}
