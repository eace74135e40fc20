using System.Text.Json.Serialization;

namespace Maas.Hosting.Models;

/// <summary>Answer of <c>GET /v1/models</c>, in OpenAI's list shape.</summary>
internal sealed class ModelList
{
    [JsonPropertyName("object")]
    public string Object { get; } = "list";

    [JsonPropertyName("data")]
    public required IReadOnlyList<ModelEntry> Data { get; init; }
}
