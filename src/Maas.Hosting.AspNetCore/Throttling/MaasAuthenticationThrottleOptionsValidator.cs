using Microsoft.Extensions.Options;

namespace Maas.Hosting.Throttling;

/// <summary>Refuses to start with a throttle that could not work (no failures allowed, no window, no table).</summary>
internal sealed class MaasAuthenticationThrottleOptionsValidator : IValidateOptions<MaasAuthenticationThrottleOptions>
{
    public ValidateOptionsResult Validate(string? name, MaasAuthenticationThrottleOptions options)
    {
        var failures = new List<string>();
        if (options.FailureLimit is < 1 or > 1_000_000)
        {
            failures.Add($"{MaasAuthenticationThrottleOptions.SectionName}:FailureLimit must be from 1 to 1000000 (got {options.FailureLimit}).");
        }

        if (options.Window < TimeSpan.FromSeconds(1) || options.Window > TimeSpan.FromDays(1))
        {
            failures.Add($"{MaasAuthenticationThrottleOptions.SectionName}:Window must be from 00:00:01 to 1.00:00:00 (got {options.Window}).");
        }

        if (options.AddressCapacity is < 1 or > 10_000_000)
        {
            failures.Add($"{MaasAuthenticationThrottleOptions.SectionName}:AddressCapacity must be from 1 to 10000000 (got {options.AddressCapacity}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
