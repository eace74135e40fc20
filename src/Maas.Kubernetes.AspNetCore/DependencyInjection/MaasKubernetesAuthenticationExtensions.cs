using Maas;
using Maas.Kubernetes;
using Maas.Kubernetes.Authentication;
using Microsoft.AspNetCore.Authentication;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Signs callers in with their cluster bearer token, beside Maas's own schemes.</summary>
public static class MaasKubernetesAuthenticationExtensions
{
    /// <summary>
    /// Signs callers in with their cluster bearer token (<c>Authorization: Bearer $(oc whoami -t)</c>),
    /// reviewed by the API server's TokenReview API with <see cref="MaasKubernetesOptions.TokenReviewAudiences"/>
    /// and cached for <see cref="MaasKubernetesOptions.TokenReviewCacheDuration"/>: registers the
    /// <c>KubernetesTokenReview</c> scheme and has the <c>MaasGateway</c> and <c>Maas</c> schemes (so the
    /// default <c>Maas.Manage</c> and <c>Maas.Read</c> policies) forward such a bearer to it. Such a caller
    /// may mint; a service-account token Maas issued signs in as a Maas credential (reads only). Gateway
    /// headers and Maas's keys and tokens keep working beside it. Call <c>UseKubernetes</c> too.
    /// </summary>
    /// <param name="builder">The Maas builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static MaasBuilder UseKubernetesTokenReview(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(TokenReviewAuthenticationHandler)))
        {
            return builder;
        }

        // Resolved from the container rather than created by reflection on every request, as Maas's handler.
        builder.Services.AddTransient<TokenReviewAuthenticationHandler>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, TokenReviewAuthenticationHandler>(KubernetesAuthenticationDefaults.TokenReviewScheme, null, null);
        return builder.ForwardMaasSignIn(ClusterBearerForwarding.Select);
    }
}
