using Microsoft.Extensions.Options;

namespace Maas.Gateway.Limits;

/// <summary>Refuses to start with limit options that cannot work, naming the setting.</summary>
internal sealed class GatewayLimitOptionsValidator : IValidateOptions<GatewayLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayLimitOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.FailureMode))
        {
            failures.Add($"{GatewayLimitOptions.SectionName}:FailureMode must be Open or Closed.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
