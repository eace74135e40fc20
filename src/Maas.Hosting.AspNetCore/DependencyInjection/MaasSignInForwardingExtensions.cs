using Maas;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Lets another authentication scheme sign in the callers Maas's own sign-in would not.</summary>
public static class MaasSignInForwardingExtensions
{
    /// <summary>
    /// Has the <c>MaasGateway</c> and <c>Maas</c> schemes (so the default <c>Maas.Manage</c> and
    /// <c>Maas.Read</c> policies, and any host policy naming those schemes) forward a request to the
    /// scheme <paramref name="selector"/> names, through the framework's own
    /// <see cref="Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions.ForwardDefaultSelector"/>;
    /// <see langword="null"/> lets the Maas scheme decide. The <c>MaasBearer</c> scheme (Maas's own
    /// credentials only) never forwards. The Kubernetes TokenReview sign-in plugs in this way; one
    /// selector per host, a later call replaces an earlier one.
    /// </summary>
    /// <param name="builder">The Maas builder.</param>
    /// <param name="selector">Names the scheme that signs the request in, or returns <see langword="null"/>.</param>
    /// <returns>The builder, for chaining.</returns>
    public static MaasBuilder ForwardMaasSignIn(this MaasBuilder builder, Func<HttpContext, string?> selector)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(selector);
        builder.Services.PostConfigure<MaasAuthenticationSchemeOptions>(MaasAuthenticationDefaults.GatewayScheme, options => options.ForwardDefaultSelector = selector);
        builder.Services.PostConfigure<MaasAuthenticationSchemeOptions>(MaasAuthenticationDefaults.AnyScheme, options => options.ForwardDefaultSelector = selector);
        return builder;
    }
}
