using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Maas.ModelSimulator;

/// <summary>Registers the model simulator's services.</summary>
public static class ModelSimulatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the simulator's options (validated at start-up) and endpoints; map them with
    /// <see cref="ModelSimulatorEndpointRouteBuilderExtensions.MapModelSimulator"/>. Calling it again only adds
    /// <paramref name="configure"/>. Time is read from the registered <see cref="TimeProvider"/> (the system clock if none).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the served models, the mode and the latencies.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddModelSimulator(this IServiceCollection services, Action<ModelSimulatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ModelSimulatorOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelSimulatorOptions>, ModelSimulatorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SimulatorEndpoints>();
        return services;
    }

    /// <summary>
    /// Adds the simulator as <see cref="AddModelSimulator(IServiceCollection, Action{ModelSimulatorOptions}?)"/> does, with
    /// its options bound from <paramref name="section"/> (<c>Mode</c>, <c>Models</c>, the latencies...) over
    /// <paramref name="defaults"/>. Configured <c>Models</c> replace the default list rather than add to it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The simulator's settings, for example the <c>Simulator</c> section.</param>
    /// <param name="defaults">Sets values the section may override.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddModelSimulator(this IServiceCollection services, IConfiguration section, Action<ModelSimulatorOptions>? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddModelSimulator(options =>
        {
            if (section.GetSection(nameof(ModelSimulatorOptions.Models)).Exists())
            {
                // Binding adds to a list: configured models replace the default one instead.
                options.Models.Clear();
            }

            defaults?.Invoke(options);
            section.Bind(options);
        });
    }
}
