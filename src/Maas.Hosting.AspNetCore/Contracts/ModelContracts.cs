using System.Text.Json.Serialization;

namespace Maas.Hosting.Contracts;

/// <summary>Answer of <c>GET /v1/models</c>, in OpenAI's list shape.</summary>
internal sealed class ModelList
{
    [JsonPropertyName("object")]
    public string Object { get; } = "list";

    [JsonPropertyName("data")]
    public required IReadOnlyList<ModelEntry> Data { get; init; }
}

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

/// <summary>Details of a model.</summary>
internal sealed class ModelDetailsEntry
{
    [JsonPropertyName("displayName")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DisplayName { get; init; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonPropertyName("genaiUse")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GenAIUse { get; init; }
}
