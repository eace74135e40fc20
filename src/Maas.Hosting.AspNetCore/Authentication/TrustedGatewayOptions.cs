using Maas.Hosting.Introspection;

namespace Maas.Hosting.Authentication;

/// <summary>
/// How Maas trusts the gateway in front of it (Authorino, Envoy, Kong...), not the Maas data-plane
/// gateway: the identity headers it sends, trusted only together with a shared secret header (the
/// original trusted them from anyone who could reach the pod), and the clients it introspects
/// credentials as. Set through <c>AddMaas(o =&gt; o.Gateway.SharedSecret = ...)</c> (the
/// <see cref="MaasOptionsTrustedGatewayExtensions"/> property), <c>Configure&lt;TrustedGatewayOptions&gt;</c>
/// or the <c>Maas:Gateway</c> configuration section; validated at start.
/// </summary>
public sealed class TrustedGatewayOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Gateway";

    /// <summary>Gets or sets the header carrying the user name.</summary>
    /// <value>The default is <c>X-MaaS-Username</c>.</value>
    public string UserHeader { get; set; } = "X-MaaS-Username";

    /// <summary>Gets or sets the header carrying the groups: a JSON array, or Authorino's <c>[a b]</c>.</summary>
    /// <value>The default is <c>X-MaaS-Group</c>.</value>
    public string GroupHeader { get; set; } = "X-MaaS-Group";

    /// <summary>Gets or sets the header the gateway adds with <see cref="SharedSecret"/>.</summary>
    /// <value>The default is <c>X-MaaS-Gateway-Secret</c>.</value>
    public string SecretHeader { get; set; } = "X-MaaS-Gateway-Secret";

    /// <summary>
    /// Gets or sets the secret the gateway sends in <see cref="SecretHeader"/>. Without it, identity
    /// headers are trusted only in Development and only from loopback addresses, and any other
    /// environment refuses to start.
    /// </summary>
    public string? SharedSecret { get; set; }

    /// <summary>
    /// Gets the gateway clients allowed to call <c>POST /v1/introspect</c> with HTTP Basic
    /// authentication (<c>Maas:Gateway:Clients:0:ClientId</c>, <c>...:SecretHash</c>). When empty,
    /// introspection refuses every caller.
    /// </summary>
    public IList<IntrospectionClient> Clients { get; init; } = [];
}
