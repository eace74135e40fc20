using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Makes <see cref="MaasGatewayOptions"/> the <see cref="MaasOptions.Gateway"/> instance of the
/// monitored <see cref="MaasOptions"/> of the same name, so <c>AddMaas(o => o.Gateway.SharedSecret = ...)</c> and the <c>Maas:Gateway</c> section
/// set it; any <c>Configure&lt;MaasGatewayOptions&gt;</c> then runs on it, and its validators
/// (<see cref="MaasGatewayOptionsValidator"/>) as for any options.
/// </summary>
internal sealed class MaasGatewayOptionsFactory(
    IOptionsMonitor<MaasOptions> maas,
    IEnumerable<IConfigureOptions<MaasGatewayOptions>> setups,
    IEnumerable<IPostConfigureOptions<MaasGatewayOptions>> postConfigures,
    IEnumerable<IValidateOptions<MaasGatewayOptions>> validations)
    : OptionsFactory<MaasGatewayOptions>(setups, postConfigures, validations)
{
    protected override MaasGatewayOptions CreateInstance(string name) => maas.Get(name).Gateway;
}
