using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.DevelopmentSignIn;

/// <summary>
/// Refuses to start a host outside Development whose options turn the development sign-in on: whoever
/// reaches the form signs in as anyone, so no configuration may carry it into another environment.
/// </summary>
internal sealed class DevelopmentSignInOptionsValidator(IHostEnvironment environment) : IValidateOptions<MaasSelfServiceOptions>
{
    public ValidateOptionsResult Validate(string? name, MaasSelfServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.DevelopmentSignIn && !environment.IsDevelopment()
            ? ValidateOptionsResult.Fail(
                $"MaasSelfServiceOptions.DevelopmentSignIn is on in the '{environment.EnvironmentName}' environment: the development sign-in lets anyone sign in as anyone, " +
                "so it runs in Development only. Turn it off, or set it from builder.Environment.IsDevelopment().")
            : ValidateOptionsResult.Success;
    }
}
