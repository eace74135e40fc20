using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Authentication;

/// <summary>
/// The <c>ForwardDefaultSelector</c> of the <c>MaasGateway</c> and <c>Maas</c> schemes once TokenReview
/// sign-in is on (set through the hosting package's <c>ForwardMaasSignIn</c>): a request without the gateway's identity headers whose bearer is not a Maas key or
/// Maas-signed token goes to the <see cref="KubernetesAuthenticationDefaults.TokenReviewScheme"/> scheme.
/// So the default <c>Maas.Manage</c> and <c>Maas.Read</c> policies (and any host policy naming those
/// schemes) accept a cluster bearer beside the gateway's headers and Maas's credentials, through the
/// framework's own scheme forwarding rather than a policy of ours.
/// </summary>
internal static class ClusterBearerForwarding
{
    private const string BearerPrefix = "Bearer ";

    public static string? Select(HttpContext context)
    {
        var headers = context.Request.Headers;
        var authorization = headers.Authorization;
        if (authorization.Count != 1 || authorization[0] is not { } value || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var services = context.RequestServices;
        var gateway = services.GetRequiredService<IOptionsMonitor<TrustedGatewayOptions>>().CurrentValue;
        if (headers.ContainsKey(gateway.UserHeader) || headers.ContainsKey(gateway.GroupHeader))
        {
            return null; // The gateway's headers decide, as in the Maas scheme.
        }

        var token = value.AsSpan(BearerPrefix.Length).Trim();
        if (token.IsEmpty)
        {
            return null;
        }

        var issuer = services.GetRequiredService<IOptionsMonitor<MaasOptions>>().CurrentValue.Issuer;
        var audience = services.GetRequiredService<IOptions<MaasKubernetesOptions>>().Value.TokenAudience;
        return BearerClassifier.Classify(token.ToString(), issuer, audience) == BearerKind.Maas
            ? null
            : KubernetesAuthenticationDefaults.TokenReviewScheme;
    }
}
