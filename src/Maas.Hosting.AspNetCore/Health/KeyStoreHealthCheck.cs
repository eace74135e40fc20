using Maas.ApiKeys;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Maas.Hosting.Health;

/// <summary>
/// Ready when the key store answers a real query against its schema (reachable and migrated): it
/// reads the revocation instant of an owner name no user can have. Reports only the exception
/// type, never a connection string.
/// </summary>
internal sealed class KeyStoreHealthCheck(IKeyStore store) : IHealthCheck
{
    // A read only: whether or not some owner has this name, the answer changes nothing.
    private const string ProbeOwner = "maas:readiness-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            _ = await store.GetRevokedBeforeAsync(ProbeOwner, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("key store answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "key store unavailable: " + ex.GetType().Name);
        }
    }
}
