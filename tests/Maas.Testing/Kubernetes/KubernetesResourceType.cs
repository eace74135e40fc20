namespace Maas.Testing.Kubernetes;

/// <summary>A resource the fake API server serves: where it lives in the REST tree and how discovery describes it.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version, for example <c>v1</c>.</param>
/// <param name="Plural">The resource name in URLs, for example <c>configmaps</c>.</param>
/// <param name="Kind">The object kind, for example <c>ConfigMap</c>.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="ShortNames">The short names kubectl accepts.</param>
public sealed record KubernetesResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced, params string[] ShortNames)
{
    /// <summary>Gets the <c>apiVersion</c> of objects of this type.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Gets the singular resource name.</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>Namespaces (core, cluster-scoped).</summary>
    public static KubernetesResourceType Namespaces { get; } = new("", "v1", "namespaces", "Namespace", false, "ns");

    /// <summary>Service accounts (core).</summary>
    public static KubernetesResourceType ServiceAccounts { get; } = new("", "v1", "serviceaccounts", "ServiceAccount", true, "sa");

    /// <summary>Config maps (core).</summary>
    public static KubernetesResourceType ConfigMaps { get; } = new("", "v1", "configmaps", "ConfigMap", true, "cm");

    /// <summary>Token reviews (authentication.k8s.io, create only).</summary>
    public static KubernetesResourceType TokenReviews { get; } = new("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false);

    /// <summary>KServe LLM inference services.</summary>
    public static KubernetesResourceType LlmInferenceServices { get; } = new("serving.kserve.io", "v1alpha1", "llminferenceservices", "LLMInferenceService", true, "llmisvc");

    /// <summary>Gateway API HTTP routes.</summary>
    public static KubernetesResourceType HttpRoutes { get; } = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true);

    /// <summary>Every resource the server serves.</summary>
    public static IReadOnlyList<KubernetesResourceType> All { get; } = [Namespaces, ServiceAccounts, ConfigMaps, TokenReviews, LlmInferenceServices, HttpRoutes];
}
