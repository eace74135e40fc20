using System.Text.Json.Serialization;
using k8s.Models;

namespace Maas.Kubernetes.Watching;

/// <summary>A list answer of <see cref="CustomResource"/> objects, with the resource version to watch from.</summary>
internal sealed class CustomResourceList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public IList<CustomResource>? Items { get; set; }
}
