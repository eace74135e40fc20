using Microsoft.AspNetCore.Authentication;

namespace Maas.Hosting.Authentication;

/// <summary>Which of Maas's sign-in ways a Maas scheme accepts.</summary>
internal sealed class MaasAuthenticationSchemeOptions : AuthenticationSchemeOptions
{
    /// <summary>Gets or sets a value indicating whether the gateway's identity headers sign the caller in.</summary>
    public bool AcceptsGatewayHeaders { get; set; }

    /// <summary>Gets or sets a value indicating whether a token or key issued by Maas (<c>Authorization: Bearer</c>) signs the caller in.</summary>
    public bool AcceptsBearer { get; set; }
}
