using Maas.SelfService;
using Maas.SelfService.Authorization;
using Maas.SelfService.DevelopmentSignIn;
using Maas.SelfService.OneTimeForms;
using Maas.SelfService.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Maas self-service page.</summary>
public static class MaasSelfServiceServiceCollectionExtensions
{
    /// <summary>The Razor area the page's screens live in (routes are absolute: <c>/keys</c>, <c>/keys/rotate</c>, ...).</summary>
    internal const string Area = "MaasSelfService";

    /// <summary>
    /// Adds the self-service page at <c>/keys</c>: Razor Pages (one page per screen, each POST checked for its
    /// anti-forgery token, a strict Content-Security-Policy), and the authorization policies
    /// <see cref="MaasSelfServiceDefaults.UserPolicy"/> (every screen) and
    /// <see cref="MaasSelfServiceDefaults.AdministratorPolicy"/> (search, bulk revocation, audit trail, usage report),
    /// judged on the principal of <see cref="MaasSelfServiceOptions.AuthenticationScheme"/>.
    /// Requires <c>AddMaas()</c>; shows usage from the gateway's counters when <c>AddMaasGateway()</c> runs too.
    /// Map it with <c>MapMaasSelfService()</c>, after <c>UseAuthentication()</c> and <c>UseAuthorization()</c>;
    /// its style sheet and script are static web assets (<c>_content/Maas.SelfService/</c>), served by
    /// <c>UseStaticFiles()</c> or <c>MapStaticAssets()</c>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets how people sign in to the page; by default, the host's default scheme, whose challenge signs them in.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddMaasSelfService(this IServiceCollection services, Action<MaasSelfServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MaasSelfServiceOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // The development sign-in cannot be carried into another environment: such a host does not start.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MaasSelfServiceOptions>, DevelopmentSignInOptionsValidator>());
        options.ValidateOnStart();

        var assembly = typeof(MaasSelfServiceDefaults).Assembly;
        services.AddRazorPages(pages =>
        {
            pages.Conventions.AuthorizeAreaFolder(Area, "/", MaasSelfServiceDefaults.UserPolicy);
            pages.Conventions.AuthorizeAreaFolder(Area, "/Administration", MaasSelfServiceDefaults.AdministratorPolicy);
            pages.Conventions.AddAreaFolderApplicationModelConvention(Area, "/", model =>
            {
                model.EndpointMetadata.Add(SelfServiceEndpoint.Instance);
                model.Filters.Add(new SelfServiceHeaders());
            });
            pages.Conventions.AllowAnonymousToAreaPage(Area, "/SignIn");
            pages.Conventions.AddAreaPageApplicationModelConvention(Area, "/SignIn", model => model.Filters.Add(new DevelopmentSignInAdmission()));
        }).ConfigureApplicationPartManager(parts =>
        {
            // The host's own assembly names this one as a part when it references it; a host that
            // loads it otherwise gets it here, once (a second part would map every page twice).
            if (!parts.ApplicationParts.OfType<AssemblyPart>().Any(part => part.Assembly == assembly))
            {
                // Its types and its compiled pages, as the host's own references would give them.
                foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                {
                    parts.ApplicationParts.Add(part);
                }
            }
        });

        services.TryAddSingleton<DevelopmentSignInGate>();
        AddDevelopmentSignIn(services);

        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<MaasSelfServiceOptions>, DevelopmentSignInGate>((authorization, selfService, developmentSignIn) =>
        {
            // The scheme is the host's choice, known once its options are: both policies authenticate with it
            // (and with the development sign-in's cookie, when that is on).
            string[] schemes = [.. selfService.Value.AuthenticationScheme is { } scheme ? [scheme] : Array.Empty<string>(),
                .. developmentSignIn.IsOn ? [DevelopmentSignInDefaults.Scheme] : Array.Empty<string>()];
            authorization.AddPolicy(MaasSelfServiceDefaults.UserPolicy, policy => policy
                .AddAuthenticationSchemes(schemes)
                .AddRequirements(MaasUserRequirement.Instance));
            authorization.AddPolicy(MaasSelfServiceDefaults.AdministratorPolicy, policy => policy
                .AddAuthenticationSchemes(schemes)
                .AddRequirements(MaasUserRequirement.Instance, MaasAdministratorRequirement.Instance));
        });
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IAuthorizationHandler, MaasUserAuthorizationHandler>());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, SelfServiceAuthorizationResultHandler>();
        services.TryAddScoped<SelfServicePageServices>();
        services.TryAddSingleton(provider => new OneTimeFormTokens(
            provider.GetRequiredService<IDataProtectionProvider>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System));
        return services;
    }

    /// <summary>
    /// The development sign-in (<see cref="MaasSelfServiceOptions.DevelopmentSignIn"/>): its cookie scheme is
    /// registered, and its form routed, only when <see cref="DevelopmentSignInGate.IsOn"/>; otherwise the host has
    /// neither (its own default scheme stays as it was, and <c>/keys/sign-in</c> is a 404).
    /// </summary>
    private static void AddDevelopmentSignIn(IServiceCollection services)
    {
        services.AddAuthentication();
        services.AddOptions<AuthenticationOptions>().Configure<DevelopmentSignInGate>((authentication, gate) =>
        {
            if (gate.IsOn && !authentication.Schemes.Any(s => s.Name == DevelopmentSignInDefaults.Scheme))
            {
                authentication.AddScheme<CookieAuthenticationHandler>(DevelopmentSignInDefaults.Scheme, displayName: null);
            }
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CookieAuthenticationOptions>, DevelopmentSignInCookie>());
        // What AddCookie() adds: the ticket format protected by Data Protection, the chunking cookie manager.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, PostConfigureCookieAuthenticationOptions>());
        services.AddOptions<RazorPagesOptions>().Configure<DevelopmentSignInGate>((pages, gate) =>
            pages.Conventions.AddAreaPageRouteModelConvention(Area, "/SignIn", model =>
            {
                if (!gate.IsOn)
                {
                    // No selector, no endpoint: the form does not exist in this host.
                    model.Selectors.Clear();
                }
            }));
    }
}
