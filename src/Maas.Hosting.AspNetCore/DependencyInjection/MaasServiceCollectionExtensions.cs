using Maas;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Introspection;
using Maas.Hosting.Throttling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Maas for an ASP.NET Core application.</summary>
public static class MaasServiceCollectionExtensions
{
    /// <summary>
    /// Adds Maas.Core, validated options (<c>Maas</c> and <c>Maas:Gateway</c>), problem details, and
    /// Maas's sign-in ways as authentication schemes (<c>MaasGateway</c>: gateway headers with the
    /// shared-secret rule; <c>MaasBearer</c>: a Maas token or key, for reads; <c>Maas</c>: either) with
    /// the <c>Maas.Read</c> and <c>Maas.Manage</c> policies the endpoints require. The host's own
    /// schemes work beside them. Idempotent: calling it again only applies <paramref name="configure"/>.
    /// Add a store with a <c>Use*Storage()</c> method on the returned builder, then call <c>app.MapMaasApi()</c>.
    /// </summary>
    public static MaasBuilder AddMaas(this IServiceCollection services, Action<MaasOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddMaasCore(configure);
        if (services.Any(d => d.ServiceType == typeof(GatewayIdentityReader)))
        {
            return builder;
        }

        MaasSignIn.Add(services);
        MaasProblemDetails.Add(services);

        services.AddOptions<MaasGatewayOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasGatewayOptions>, MaasGatewayOptionsValidator>());
        services.TryAddSingleton<MaasErrorFilter>();
        services.TryAddSingleton<GatewayClientAuthenticator>();
        services.TryAddSingleton<FailedAuthenticationThrottle>();
        services.AddOptions<MaasAuthenticationThrottleOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasAuthenticationThrottleOptions>, MaasAuthenticationThrottleOptionsValidator>());

        return builder;
    }
}
