using System.Runtime.CompilerServices;
using Maas.Hosting.Authentication;

namespace Maas;

/// <summary>
/// Gives <see cref="MaasOptions"/> its <c>Gateway</c> (<see cref="TrustedGatewayOptions"/>) in a host,
/// so one <c>AddMaas(o =&gt; ...)</c> call still sets the shared secret and the introspection clients
/// beside the rest (<c>o.Gateway.SharedSecret = ...</c>), while Maas.Core knows nothing of HTTP.
/// </summary>
public static class MaasOptionsTrustedGatewayExtensions
{
    // One TrustedGatewayOptions per MaasOptions instance, living as long as it (the options
    // monitor creates a new MaasOptions on reload, which gets a new one, bound afresh).
    private static readonly ConditionalWeakTable<MaasOptions, TrustedGatewayOptions> Gateways = [];

    /// <param name="options">The Maas options.</param>
    extension(MaasOptions options)
    {
        /// <summary>
        /// Gets how Maas trusts the gateway in front of it (the shared secret and identity headers)
        /// and which gateway clients may introspect credentials (<c>Maas:Gateway</c>). The shared
        /// secret is required outside Development.
        /// </summary>
        public TrustedGatewayOptions Gateway => Gateways.GetValue(options ?? throw new ArgumentNullException(nameof(options)), static _ => new TrustedGatewayOptions());
    }
}
