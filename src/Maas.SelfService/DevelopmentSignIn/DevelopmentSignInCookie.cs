using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.DevelopmentSignIn;

/// <summary>
/// The development sign-in's cookie: a ticket protected by ASP.NET Core Data Protection (the cookie
/// handler's own format, so it cannot be forged or read), HttpOnly, SameSite=Strict, for
/// <see cref="DevelopmentSignInDefaults.Lifetime"/> on the host's clock. It signs a request in only
/// while <see cref="DevelopmentSignInGate"/> admits it (Development, loopback), and it never redirects:
/// a caller it does not sign in gets the page's own 401 screen, which links to the form.
/// </summary>
internal sealed class DevelopmentSignInCookie(DevelopmentSignInGate gate, IServiceProvider services) : IConfigureNamedOptions<CookieAuthenticationOptions>
{
    public void Configure(CookieAuthenticationOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, CookieAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(name, DevelopmentSignInDefaults.Scheme, StringComparison.Ordinal))
        {
            return;
        }

        options.Cookie.Name = DevelopmentSignInDefaults.CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.Cookie.IsEssential = true;
        options.ExpireTimeSpan = DevelopmentSignInDefaults.Lifetime;
        options.SlidingExpiration = false;
        options.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        options.Events = new CookieAuthenticationEvents
        {
            OnValidatePrincipal = context =>
            {
                if (!gate.Admits(context.HttpContext))
                {
                    context.RejectPrincipal();
                }

                return Task.CompletedTask;
            },
            OnRedirectToLogin = _ => Task.CompletedTask,
            OnRedirectToAccessDenied = _ => Task.CompletedTask,
            OnRedirectToLogout = _ => Task.CompletedTask,
            OnRedirectToReturnUrl = _ => Task.CompletedTask,
        };
    }
}
