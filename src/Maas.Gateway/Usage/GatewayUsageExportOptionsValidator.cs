using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>Refuses to start with usage export options out of range, naming the setting.</summary>
internal sealed class GatewayUsageExportOptionsValidator : IValidateOptions<GatewayUsageExportOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayUsageExportOptions options) =>
        options.MaxUserSeries is < 1 or > 100_000
            ? ValidateOptionsResult.Fail($"{GatewayUsageExportOptions.SectionName}:MaxUserSeries must be from 1 to 100000.")
            : ValidateOptionsResult.Success;
}
