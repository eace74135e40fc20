using Microsoft.Extensions.Options;

namespace Maas.Hosting.Throttling;

/// <summary>
/// Refuses to start with a throttle that could not work (no failures allowed, no window, no table),
/// naming the setting: evaluates the annotations of <see cref="MaasAuthenticationThrottleOptions"/>.
/// </summary>
internal sealed class MaasAuthenticationThrottleOptionsValidator : IValidateOptions<MaasAuthenticationThrottleOptions>
{
    private static readonly MaasAuthenticationThrottleOptionsAnnotations s_annotations = new();

    public ValidateOptionsResult Validate(string? name, MaasAuthenticationThrottleOptions options)
    {
        // The generated validator names the member ("Window: The field ... must be between ..."); the
        // section makes it the setting's full name. Its [Range] ignores ErrorMessage (dotnet/runtime#123137).
        var result = s_annotations.Validate(name, options);
        return result.Failed
            ? ValidateOptionsResult.Fail(result.Failures.Select(f => MaasAuthenticationThrottleOptions.SectionName + ":" + f))
            : ValidateOptionsResult.Success;
    }
}
