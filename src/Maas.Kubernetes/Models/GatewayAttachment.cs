using System.Text.Json;
using Maas.Kubernetes.Watching;

namespace Maas.Kubernetes.Models;

/// <summary>
/// Whether an <c>LLMInferenceService</c> belongs to this Maas instance: attached to the configured
/// gateway directly (<c>spec.router.gateway.refs</c>), through the HTTPRoute spec it embeds
/// (<c>spec.router.route.http.spec.parentRefs</c>), through HTTPRoutes it names
/// (<c>spec.router.route.http.refs</c>), or through the HTTPRoute KServe manages for it (labelled
/// for the service). The Go maas-api's four rules; a parent reference without a namespace means
/// the referring object's namespace.
/// </summary>
internal sealed class GatewayAttachment(string gatewayName, string gatewayNamespace)
{
    private const string ComponentLabel = "app.kubernetes.io/component";
    private const string NameLabel = "app.kubernetes.io/name";
    private const string PartOfLabel = "app.kubernetes.io/part-of";

    /// <param name="service">The LLMInferenceService.</param>
    /// <param name="routes">The HTTPRoutes known now, by namespace and name.</param>
    public bool IsAttached(CustomResource service, IReadOnlyDictionary<(string Namespace, string Name), CustomResource> routes)
    {
        var router = service.Spec.Field("router");
        if (router.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var ns = service.Key.Namespace;
        if (References(router.Field("gateway").Field("refs"), ns))
        {
            return true;
        }

        var http = router.Field("route").Field("http");
        if (http.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (References(http.Field("spec").Field("parentRefs"), ns))
        {
            return true;
        }

        var named = http.Field("refs").Items().Select(r => r.Field("name").Text()).Where(n => !string.IsNullOrEmpty(n)).ToList();
        if (named.Count > 0)
        {
            return named.Any(name => routes.TryGetValue((ns, name!), out var route) && References(route.Spec.Field("parentRefs"), ns));
        }

        if (http.Field("spec").ValueKind == JsonValueKind.Object)
        {
            return false;
        }

        // Managed by KServe: the route it creates for the service carries these labels.
        var serviceName = service.Key.Name;
        return routes.Values.Any(route =>
            route.Key.Namespace == ns
            && LlmInferenceServiceModel.Value(route.Metadata.Labels, ComponentLabel) == "llminferenceservice-router"
            && LlmInferenceServiceModel.Value(route.Metadata.Labels, NameLabel) == serviceName
            && LlmInferenceServiceModel.Value(route.Metadata.Labels, PartOfLabel) == "llminferenceservice"
            && References(route.Spec.Field("parentRefs"), ns));
    }

    private bool References(JsonElement parentRefs, string defaultNamespace) =>
        parentRefs.Items().Any(reference =>
            reference.Field("name").Text() == gatewayName
            && (reference.Field("namespace").Text() is { Length: > 0 } ns ? ns : defaultNamespace) == gatewayNamespace);
}
