using System.Text.Json.Serialization;

namespace Maas.Hosting.Models;

/// <summary>One model, OpenAI's fields plus the original service's <c>url</c>, <c>ready</c> and <c>modelDetails</c>.</summary>
internal sealed class ModelEntry
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string Object { get; } = "model";

    [JsonPropertyName("created")]
    public required long Created { get; init; }

    [JsonPropertyName("owned_by")]
    public required string OwnedBy { get; init; }

    [JsonPropertyName("url")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; init; }

    [JsonPropertyName("ready")]
    public required bool Ready { get; init; }

    [JsonPropertyName("modelDetails")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ModelDetailsEntry? ModelDetails { get; init; }
}
