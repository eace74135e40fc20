using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the probes a Kubernetes deployment of a Maas host uses.</summary>
public static class MaasHealthEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <paramref name="livenessPattern"/> (live: the process answers; no dependency is checked,
    /// so an outage never restarts the pod) and <paramref name="readinessPattern"/> (ready: the checks
    /// tagged <see cref="MaasHealthCheckBuilderExtensions.ReadyTag"/> pass, which
    /// <c>AddHealthChecks().AddMaasChecks()</c> adds: the key store is reachable and migrated, the
    /// signing keys are loaded; 503 otherwise), both without authentication.
    /// </summary>
    /// <returns>A builder to add conventions to both probes.</returns>
    public static IEndpointConventionBuilder MapMaasHealthChecks(this IEndpointRouteBuilder endpoints, string livenessPattern = "/healthz", string readinessPattern = "/readyz")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(livenessPattern);
        ArgumentException.ThrowIfNullOrWhiteSpace(readinessPattern);
        var probes = endpoints.MapGroup("");
        probes.MapHealthChecks(livenessPattern, new HealthCheckOptions { Predicate = _ => false });
        probes.MapHealthChecks(readinessPattern, new HealthCheckOptions { Predicate = check => check.Tags.Contains(MaasHealthCheckBuilderExtensions.ReadyTag) });
        return probes.AllowAnonymous();
    }
}
