using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>The answer of <c>GET /v1/models</c>: <c>{"object":"list","data":[...]}</c>.</summary>
internal sealed class ModelList
{
    [JsonPropertyName("object")]
    public string Object { get; init; } = "list";

    [JsonPropertyName("data")]
    public required IReadOnlyList<ModelCard> Data { get; init; }
}

/// <summary>One served model, as OpenAI and vLLM describe it.</summary>
internal sealed class ModelCard
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("object")]
    public string Object { get; init; } = "model";

    [JsonPropertyName("created")]
    public required long Created { get; init; }

    [JsonPropertyName("owned_by")]
    public required string OwnedBy { get; init; }
}
