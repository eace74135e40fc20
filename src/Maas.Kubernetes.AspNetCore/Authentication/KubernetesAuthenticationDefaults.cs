namespace Maas.Kubernetes.Authentication;

/// <summary>Names of the authentication scheme and claims the Kubernetes sign-in registers.</summary>
public static class KubernetesAuthenticationDefaults
{
    /// <summary>
    /// The scheme that signs a caller in with a Kubernetes/OpenShift bearer token (<c>oc whoami -t</c>)
    /// reviewed by the API server's TokenReview API. <c>UseKubernetesTokenReview</c> also makes the
    /// <c>MaasGateway</c> and <c>Maas</c> schemes forward such a bearer to it.
    /// </summary>
    public const string TokenReviewScheme = "KubernetesTokenReview";
}
