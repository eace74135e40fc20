namespace Maas.Kubernetes.Watching;

/// <summary>Where a custom resource lives in the API: group, version and plural (as RBAC names it).</summary>
internal sealed record CustomResourceType(string Group, string Version, string Plural)
{
    /// <summary>KServe's <c>LLMInferenceService</c>.</summary>
    public static CustomResourceType LlmInferenceServices { get; } = new("serving.kserve.io", "v1alpha1", "llminferenceservices");

    /// <summary>Gateway API's <c>HTTPRoute</c>.</summary>
    public static CustomResourceType HttpRoutes { get; } = new("gateway.networking.k8s.io", "v1", "httproutes");

    public override string ToString() => $"{Plural}.{Group}/{Version}";
}
