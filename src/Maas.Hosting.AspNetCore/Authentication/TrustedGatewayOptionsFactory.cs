using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Makes <see cref="TrustedGatewayOptions"/> the <c>Gateway</c> of the monitored <see cref="MaasOptions"/>
/// of the same name (<see cref="MaasOptionsTrustedGatewayExtensions"/>), so <c>AddMaas(o =&gt; o.Gateway.SharedSecret = ...)</c>
/// and the <c>Maas:Gateway</c> section set it; any <c>Configure&lt;TrustedGatewayOptions&gt;</c> then runs on it, and its validators
/// (<see cref="TrustedGatewayOptionsValidator"/>) as for any options.
/// </summary>
internal sealed class TrustedGatewayOptionsFactory(
    IOptionsMonitor<MaasOptions> maas,
    IEnumerable<IConfigureOptions<TrustedGatewayOptions>> setups,
    IEnumerable<IPostConfigureOptions<TrustedGatewayOptions>> postConfigures,
    IEnumerable<IValidateOptions<TrustedGatewayOptions>> validations)
    : OptionsFactory<TrustedGatewayOptions>(setups, postConfigures, validations)
{
    protected override TrustedGatewayOptions CreateInstance(string name) => maas.Get(name).Gateway;
}
