using Maas.Hosting.Introspection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Authentication;

/// <summary>Refuses to start outside Development when identity headers would be trusted without a secret.</summary>
internal sealed class TrustedGatewayOptionsValidator(IHostEnvironment environment) : IValidateOptions<TrustedGatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustedGatewayOptions options)
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
        else if (string.IsNullOrWhiteSpace(options.SharedSecret) || options.SharedSecret.Trim().Length != options.SharedSecret.Length)
        {
            // Header values reach us trimmed, so a padded secret could never match; a blank one is no secret.
            failures.Add("Maas:Gateway:SharedSecret must not be blank or start or end with whitespace.");
        }
        else if (options.SharedSecret.Length < 16)
        {
            failures.Add("Maas:Gateway:SharedSecret must be at least 16 characters long.");
        }

        ValidateClients(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateClients(TrustedGatewayOptions options, List<string> failures)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var section = $"Maas:Gateway:Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.ClientId) || client.ClientId.Any(char.IsControl) || client.ClientId.Contains(':', StringComparison.Ordinal))
            {
                failures.Add($"{section}:ClientId must be a non-empty name without ':' or control characters.");
            }
            else if (!ids.Add(client.ClientId))
            {
                failures.Add($"Maas:Gateway:Clients lists client '{client.ClientId}' twice; client ids must be unique.");
            }

            // The value is not repeated: it is not the secret, but it should not travel either.
            if (!GatewayClientSecret.TryParse(client.SecretHash, out _))
            {
                failures.Add(
                    $"{section}:SecretHash must be 'sha256:' followed by the SHA-256 of the client secret in hex (64 digits) or base64, "
                    + "for example: echo \"sha256:$(printf %s \"$SECRET\" | sha256sum | cut -d' ' -f1)\".");
            }
        }
    }
}
