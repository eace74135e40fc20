using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Maas.Kubernetes.Watching;

/// <summary>
/// An object of a type the KubernetesClient package has no model for (KServe, Gateway API): typed
/// metadata, and <c>spec</c>/<c>status</c> kept as JSON and read field by field, so an unknown or
/// ill-typed field in one object is that object's problem, never a failed list or watch.
/// </summary>
internal sealed class CustomResource : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public JsonElement Spec { get; set; }

    [JsonPropertyName("status")]
    public JsonElement Status { get; set; }

    /// <summary>Gets the object's key: namespace and name.</summary>
    public (string Namespace, string Name) Key => (Metadata.NamespaceProperty ?? "", Metadata.Name ?? "");
}
