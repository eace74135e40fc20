using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Limits;

/// <summary>Registers the limit counter the gateway pipeline asks before forwarding a call.</summary>
internal static class LimitCounterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GatewayLimitOptions"/> (validated at start; the caller binds or configures
    /// them) and <see cref="ILimitCounter"/> as a singleton: on Redis when <see cref="GatewayLimitOptions.Redis"/>
    /// is set, otherwise in memory. The Redis connection is made in the background and never fails
    /// start-up; a Redis that is down follows <see cref="GatewayLimitOptions.FailureMode"/>. Idempotent: calling it
    /// twice, or after registering another <see cref="ILimitCounter"/>, changes nothing.
    /// </summary>
    internal static IServiceCollection AddMaasLimitCounter(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GatewayLimitOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayLimitOptions>, GatewayLimitOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LimiterMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<ILimitCounter>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayLimitOptions>>().Value;
            var timeProvider = sp.GetRequiredService<TimeProvider>();
            var logger = sp.GetService<ILoggerFactory>()?.CreateLogger("Maas.Gateway.Limits") ?? NullLogger.Instance;
            var failures = new LimitCounterFailures(options.FailureMode, timeProvider, logger, sp.GetRequiredService<LimiterMetrics>());
            return string.IsNullOrWhiteSpace(options.Redis)
                ? new InMemoryLimitCounter(timeProvider, failures, InMemoryLimitCounter.DefaultMaxPartitions, GatewayLimitOptionsValidator.FindTimeZone(options.TimeZone))
                : new RedisLimitCounter(options, timeProvider, failures);
        });
        return services;
    }
}
