using Maas;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Introspection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Maas for an ASP.NET Core application.</summary>
public static class MaasServiceCollectionExtensions
{
    /// <summary>
    /// Adds Maas.Core, the gateway-header and Maas-bearer authentication schemes, the authorization
    /// policies the endpoints use, and validated options (<c>Maas</c> and <c>Maas:Gateway</c>).
    /// Idempotent: calling it again only applies <paramref name="configure"/>. Add a store with
    /// a <c>Use*Storage()</c> method on the returned builder, then call <c>app.MapMaasApi()</c>.
    /// </summary>
    public static MaasBuilder AddMaas(this IServiceCollection services, Action<MaasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddMaasCore(configure);
        if (services.Any(d => d.ServiceType == typeof(GatewayIdentityReader)))
        {
            return builder;
        }

        services.AddSingleton<GatewayIdentityReader>();
        services.AddSingleton<MaasCallerResolver>();

        // Resolved from the container rather than by reflection on every request.
        services.AddTransient<GatewayHeaderHandler>();
        services.AddTransient<MaasBearerHandler>();
        services.AddOptions<MaasGatewayOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasGatewayOptions>, MaasGatewayOptionsValidator>());
        services.TryAddSingleton<MaasErrorFilter>();
        services.TryAddSingleton<GatewayClientAuthenticator>();

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
