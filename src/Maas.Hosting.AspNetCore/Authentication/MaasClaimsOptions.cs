using System.Security.Claims;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Which claims of the signed-in principal name the Maas user and list its groups. Maas's own
/// schemes write these claim types; set them to what the host's sign-in issues (for example
/// <c>sub</c> and <c>groups</c> from an OpenID Connect provider). Binds from <c>Maas:Claims</c>.
/// </summary>
public sealed class MaasClaimsOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Claims";

    /// <summary>Gets or sets the claim type holding the user's name.</summary>
    /// <value>The default is <see cref="ClaimTypes.Name"/>.</value>
    public string NameClaimType { get; set; } = ClaimTypes.Name;

    /// <summary>Gets or sets the claim type of which each claim is one of the user's groups.</summary>
    /// <value>The default is <c>maas:group</c> (<see cref="MaasAuthenticationDefaults.GroupClaim"/>).</value>
    public string GroupClaimType { get; set; } = MaasAuthenticationDefaults.GroupClaim;
}
