using Maas;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Logging;
using Maas.Hosting.Introspection;
using Maas.Hosting.Telemetry;
using Maas.Hosting.Throttling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Maas for an ASP.NET Core application.</summary>
public static class MaasServiceCollectionExtensions
{
    /// <summary>
    /// Adds Maas.Core, validated options, problem details, and Maas's sign-in ways as authentication
    /// schemes (<c>MaasGateway</c>: gateway headers with the shared-secret rule; <c>MaasBearer</c>: a
    /// Maas token or key, for reads; <c>Maas</c>: either) with the <c>Maas.Read</c> and
    /// <c>Maas.Manage</c> policies the endpoints require; the host's own schemes work beside them.
    /// Set everything in <paramref name="configure"/>, the gateway's shared secret and introspection
    /// clients included (<c>o.Gateway.SharedSecret = ...</c>). Idempotent: calling it again only
    /// applies <paramref name="configure"/>. Add a store with a <c>Use*Storage()</c> method on the
    /// returned builder, then call <c>app.MapMaasApi()</c>.
    /// </summary>
    public static MaasBuilder AddMaas(this IServiceCollection services, Action<MaasOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddMaasServices(services, null, configure);
    }

    /// <summary>As <see cref="AddMaas(IServiceCollection, Action{MaasOptions})"/>, with every default.</summary>
    public static MaasBuilder AddMaas(this IServiceCollection services) => AddMaasServices(services, null, null);

    /// <summary>
    /// As <see cref="AddMaas(IServiceCollection, Action{MaasOptions})"/>, with every setting bound
    /// from <paramref name="configuration"/>, the <c>Maas</c> section
    /// (<c>builder.Configuration.GetSection("Maas")</c>): <c>Issuer</c>, <c>Tokens</c>,
    /// <c>Gateway:SharedSecret</c>, <c>Gateway:Clients</c>, <c>AuthenticationThrottle</c>..., then
    /// <paramref name="configure"/> applied on top. The storage and gateway packages bind their
    /// sub-sections (<c>Storage:Sqlite</c>, <c>Storage:PostgreSql</c>, <c>Gateway:Limits</c>,
    /// <c>Gateway:Forwarding</c>) from it too.
    /// </summary>
    public static MaasBuilder AddMaas(this IServiceCollection services, IConfiguration configuration, Action<MaasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddMaasServices(services, configuration, configure);
    }

    private static MaasBuilder AddMaasServices(IServiceCollection services, IConfiguration? configuration, Action<MaasOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        // The trusted gateway's settings (Maas:Gateway) live in this package, on MaasOptions through the
        // Gateway extension property: bound from the section before the host's code, as Core binds the rest.
        var gateway = configuration?.GetSection("Gateway");
        var builder = MaasCoreServiceCollectionExtensions.AddMaasCore(services, configuration, gateway is null ? configure : options =>
        {
            gateway.Bind(options.Gateway);
            configure?.Invoke(options);
        });
        if (configuration is not null)
        {
            services.AddOptions<MaasAuthenticationThrottleOptions>().Bind(configuration.GetSection("AuthenticationThrottle"));
            services.AddOptions<MaasClaimsOptions>().Bind(configuration.GetSection("Claims"));
            services.AddSingleton<IOptionsChangeTokenSource<TrustedGatewayOptions>>(new ConfigurationChangeTokenSource<TrustedGatewayOptions>(configuration.GetSection("Gateway")));
        }

        if (services.Any(d => d.ServiceType == typeof(GatewayIdentityReader)))
        {
            return builder;
        }

        MaasSignIn.Add(services);
        MaasProblemDetails.Add(services);

        // TrustedGatewayOptions is MaasOptions.Gateway itself (the extension property), so one AddMaas call sets it; a
        // Configure<TrustedGatewayOptions> of the host still applies on top.
        services.AddTransient<IOptionsFactory<TrustedGatewayOptions>, TrustedGatewayOptionsFactory>();
        services.AddOptions<TrustedGatewayOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrustedGatewayOptions>, TrustedGatewayOptionsValidator>());
        // The error filter is built per request (AddEndpointFilter<T>); what it must remember across requests is here.
        services.TryAddSingleton<OutageLog>();
        services.TryAddSingleton<GatewayClientAuthenticator>();
        services.TryAddSingleton<FailedAuthenticationThrottle>();
        services.TryAddSingleton<HttpRequestMetrics>();
        services.AddOptions<MaasAuthenticationThrottleOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasAuthenticationThrottleOptions>, MaasAuthenticationThrottleOptionsValidator>());

        return builder;
    }
}
