using Maas.Hosting.Lifetime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Graceful shutdown for a Maas host.</summary>
public static class MaasGracefulShutdownServiceCollectionExtensions
{
    /// <summary>
    /// Bounds shutdown (SIGTERM, <c>StopAsync</c>) by <paramref name="timeout"/>: the host stops Kestrel,
    /// which accepts no new connection and lets in-flight requests finish within it; disposing the
    /// services then flushes the recorded key usage to the store. Keep it below the pod's termination
    /// grace period (Kubernetes' default is 30 s). Logs when stopping begins (event 30).
    /// </summary>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMaasGracefulShutdown(this IServiceCollection services, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = timeout);
        services.AddHostedService(sp => new MaasGracefulShutdown(
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<IHostEnvironment>(),
            sp.GetRequiredService<ILogger<MaasGracefulShutdown>>(),
            timeout));
        return services;
    }
}
