using Maas.ApiKeys;
using Maas.Hosting.Health;
using Maas.Tokens;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the readiness checks of Maas to ASP.NET Core health checks.</summary>
public static class MaasHealthCheckBuilderExtensions
{
    /// <summary>The tag of the Maas readiness checks; map a readiness endpoint over it.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds <c>maas-store</c> (the key store answers a query against its schema) and
    /// <c>maas-signing-keys</c> (signing keys are loaded), both tagged <see cref="ReadyTag"/>, so a
    /// readiness endpoint (<c>MapHealthChecks("/readyz", ...)</c>) reports 503 while Maas cannot serve.
    /// </summary>
    public static IHealthChecksBuilder AddMaasChecks(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .Add(new HealthCheckRegistration(
                "maas-store",
                sp => new KeyStoreHealthCheck(sp.GetRequiredService<IKeyStore>()),
                HealthStatus.Unhealthy,
                [ReadyTag],
                TimeSpan.FromSeconds(5)))
            .Add(new HealthCheckRegistration(
                "maas-signing-keys",
                sp => new SigningKeysHealthCheck(sp.GetRequiredService<IJsonWebKeySource>()),
                HealthStatus.Unhealthy,
                [ReadyTag],
                TimeSpan.FromSeconds(5)));
    }
}
