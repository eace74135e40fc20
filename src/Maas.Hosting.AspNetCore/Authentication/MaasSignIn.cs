using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Registers Maas's sign-in ways as authentication schemes (<c>MaasGateway</c>, <c>MaasBearer</c>,
/// <c>Maas</c>), the <c>Maas.Read</c> and <c>Maas.Manage</c> policies (unless the host defines
/// policies of those names, which then replace them), and the principal-to-user mapping. Sets no
/// default scheme: the host's own sign-in stays the default.
/// </summary>
internal static class MaasSignIn
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton<GatewayIdentityReader>();
        services.TryAddSingleton<MaasUserMapper>();
        services.TryAddSingleton<MintingGuard>();
        services.AddOptions<MaasClaimsOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.NameClaimType) && !string.IsNullOrWhiteSpace(o.GroupClaimType),
                "Maas:Claims:NameClaimType and Maas:Claims:GroupClaimType must not be empty.")
            .ValidateOnStart();

        // Resolved from the container rather than created by reflection on every request.
        services.TryAddTransient<MaasAuthenticationHandler>();
        services.AddAuthentication()
            .AddScheme<MaasAuthenticationSchemeOptions, MaasAuthenticationHandler>(MaasAuthenticationDefaults.GatewayScheme, null, o => o.AcceptsGatewayHeaders = true)
            .AddScheme<MaasAuthenticationSchemeOptions, MaasAuthenticationHandler>(MaasAuthenticationDefaults.BearerScheme, null, o => o.AcceptsBearer = true)
            .AddScheme<MaasAuthenticationSchemeOptions, MaasAuthenticationHandler>(MaasAuthenticationDefaults.AnyScheme, null, o =>
            {
                o.AcceptsGatewayHeaders = true;
                o.AcceptsBearer = true;
            });

        services.AddAuthorization();
        services.Configure<AuthorizationOptions>(options =>
        {
            // A policy the host defined under one of these names (before or after AddMaas) wins.
            if (options.GetPolicy(MaasAuthenticationDefaults.ReadPolicy) is null)
            {
                options.AddPolicy(MaasAuthenticationDefaults.ReadPolicy, p => p.AddAuthenticationSchemes(MaasAuthenticationDefaults.AnyScheme).RequireAuthenticatedUser());
            }

            if (options.GetPolicy(MaasAuthenticationDefaults.ManagePolicy) is null)
            {
                options.AddPolicy(MaasAuthenticationDefaults.ManagePolicy, p => p.AddAuthenticationSchemes(MaasAuthenticationDefaults.GatewayScheme).RequireAuthenticatedUser());
            }
        });
    }
}
