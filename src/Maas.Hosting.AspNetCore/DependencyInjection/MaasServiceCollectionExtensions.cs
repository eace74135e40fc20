using Maas;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Introspection;
using Maas.Hosting.Throttling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Maas for an ASP.NET Core application.</summary>
public static class MaasServiceCollectionExtensions
{
    /// <summary>
    /// Adds Maas.Core, the caller resolution the Maas endpoints use (gateway headers with the
    /// shared-secret rule, Maas bearer credentials for reads) and options validated at start. Set
    /// everything in <paramref name="configure"/>, the gateway's shared secret and introspection
    /// clients included (<c>o.Gateway.SharedSecret = ...</c>). The endpoints need no authentication
    /// middleware; to protect the host's own endpoints with the same rules, add
    /// <see cref="AddMaasAuthentication"/>. Idempotent: calling it again only applies
    /// <paramref name="configure"/>. Add a store with a <c>Use*Storage()</c> method on the returned
    /// builder, then call <c>app.MapMaasApi()</c>.
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
        var builder = MaasCoreServiceCollectionExtensions.AddMaasCore(services, configuration, configure);
        if (configuration is not null)
        {
            services.AddOptions<MaasAuthenticationThrottleOptions>().Bind(configuration.GetSection("AuthenticationThrottle"));
            services.AddSingleton<IOptionsChangeTokenSource<MaasGatewayOptions>>(new ConfigurationChangeTokenSource<MaasGatewayOptions>(configuration.GetSection("Gateway")));
        }

        if (services.Any(d => d.ServiceType == typeof(GatewayIdentityReader)))
        {
            return builder;
        }

        services.AddSingleton<GatewayIdentityReader>();
        services.AddSingleton<MaasCallerResolver>();

        // MaasGatewayOptions is MaasOptions.Gateway itself, so one AddMaas call sets it; a
        // Configure<MaasGatewayOptions> of the host still applies on top.
        services.AddTransient<IOptionsFactory<MaasGatewayOptions>, MaasGatewayOptionsFactory>();
        services.AddOptions<MaasGatewayOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasGatewayOptions>, MaasGatewayOptionsValidator>());
        services.TryAddSingleton<MaasErrorFilter>();
        services.TryAddSingleton<GatewayClientAuthenticator>();
        services.TryAddSingleton<FailedAuthenticationThrottle>();
        services.AddOptions<MaasAuthenticationThrottleOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasAuthenticationThrottleOptions>, MaasAuthenticationThrottleOptionsValidator>());

        return builder;
    }

    /// <summary>
    /// Adds the <c>MaasGateway</c> and <c>MaasBearer</c> authentication schemes, the <c>Maas</c>
    /// scheme that picks between them, and the <c>Maas.Read</c> and <c>Maas.Manage</c> policies,
    /// so the host's own endpoints can require what the Maas endpoints require. Idempotent.
    /// Not needed by <c>MapMaasApi()</c>, which keeps the authentication middleware off its hot path.
    /// </summary>
    public static MaasBuilder AddMaasAuthentication(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(GatewayHeaderHandler)))
        {
            return builder;
        }

        // Resolved from the container rather than by reflection on every request.
        services.AddTransient<GatewayHeaderHandler>();
        services.AddTransient<MaasBearerHandler>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, GatewayHeaderHandler>(MaasAuthenticationDefaults.GatewayScheme, null)
            .AddScheme<AuthenticationSchemeOptions, MaasBearerHandler>(MaasAuthenticationDefaults.BearerScheme, null)
            .AddPolicyScheme(MaasAuthenticationDefaults.AnyScheme, null, o => o.ForwardDefaultSelector = context =>
            {
                var gateway = context.RequestServices.GetRequiredService<IOptionsMonitor<MaasGatewayOptions>>().CurrentValue;
                var headers = context.Request.Headers;
                if (headers.ContainsKey(gateway.UserHeader) || headers.ContainsKey(gateway.GroupHeader))
                {
                    return MaasAuthenticationDefaults.GatewayScheme;
                }

                return headers.Authorization.Count > 0 ? MaasAuthenticationDefaults.BearerScheme : MaasAuthenticationDefaults.GatewayScheme;
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(MaasAuthenticationDefaults.ReadPolicy, p => p.AddAuthenticationSchemes(MaasAuthenticationDefaults.AnyScheme).RequireAuthenticatedUser())
            .AddPolicy(MaasAuthenticationDefaults.ManagePolicy, p => p.AddAuthenticationSchemes(MaasAuthenticationDefaults.GatewayScheme).RequireAuthenticatedUser());
        return builder;
    }
}
