using System.Text.Json;
using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>
/// The fields of an <c>embeddings</c> request the simulator reads. <c>input</c> is kept as JSON: OpenAI accepts a
/// string, an array of strings, an array of token ids or an array of such arrays, read by <see cref="EmbeddingInputs"/>.
/// </summary>
internal sealed class EmbeddingRequest : IModelRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("input")]
    public JsonElement? Input { get; set; }

    [JsonPropertyName("encoding_format")]
    public string? EncodingFormat { get; set; }

    [JsonPropertyName("dimensions")]
    public int? Dimensions { get; set; }
}
