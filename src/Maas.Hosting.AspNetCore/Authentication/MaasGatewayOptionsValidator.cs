using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>Refuses to start outside Development when identity headers would be trusted without a secret.</summary>
internal sealed class MaasGatewayOptionsValidator(IHostEnvironment environment) : IValidateOptions<MaasGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, MaasGatewayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.UserHeader) || string.IsNullOrWhiteSpace(options.GroupHeader) || string.IsNullOrWhiteSpace(options.SecretHeader))
        {
            failures.Add("Maas:Gateway header names must not be empty.");
        }

        if (string.IsNullOrEmpty(options.SharedSecret))
        {
            if (!environment.IsDevelopment())
            {
                failures.Add(
                    $"Maas:Gateway:SharedSecret is required in the '{environment.EnvironmentName}' environment: without it anyone who can reach the service could forge identity headers. " +
                    "Set Maas__Gateway__SharedSecret (and have the gateway send it in the " + options.SecretHeader + " header), or run in Development.");
            }
        }
        else if (options.SharedSecret.Length < 16)
        {
            failures.Add("Maas:Gateway:SharedSecret must be at least 16 characters long.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
