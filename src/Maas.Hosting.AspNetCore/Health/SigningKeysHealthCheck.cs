using Maas.Tokens;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Maas.Hosting.Health;

/// <summary>Ready when the signing keys are loaded: at least one public key verifies tokens issued here.</summary>
internal sealed class SigningKeysHealthCheck(IJsonWebKeySource keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(keys.GetPublicKeys().Count > 0
                ? HealthCheckResult.Healthy("signing keys loaded")
                : new HealthCheckResult(context.Registration.FailureStatus, "no signing key loaded"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or Maas.ApiKeys.StoreUnavailableException)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, "signing keys unavailable: " + ex.GetType().Name));
        }
    }
}
