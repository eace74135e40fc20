using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Maas.Api;

/// <summary>
/// Kubernetes probes beside the Go service's <c>/health</c>: <c>/healthz</c> (live: the process
/// answers; no dependency is checked, so an outage never restarts the pod) and <c>/readyz</c>
/// (ready: the key store is reachable and migrated, the signing keys are loaded).
/// </summary>
internal static class MaasApiHealth
{
    public static void Configure(WebApplicationBuilder builder) =>
        builder.Services.AddHealthChecks().AddMaasChecks();

    public static void Map(WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(MaasHealthCheckBuilderExtensions.ReadyTag) }).AllowAnonymous();
    }
}
