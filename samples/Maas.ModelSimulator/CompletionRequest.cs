using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>
/// The fields of a <c>chat/completions</c> or <c>completions</c> request the simulator reads; any other
/// field (<c>temperature</c>, the original's <c>max_prompts</c>, ...) is ignored. A chat request may carry
/// <c>prompt</c> instead of <c>messages</c>, as the original's walk-through sends it.
/// </summary>
internal sealed class CompletionRequest : IModelRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("messages")]
    public List<ChatMessage>? Messages { get; set; }

    [JsonPropertyName("prompt")]
    [JsonConverter(typeof(TextContentConverter))]
    public string? Prompt { get; set; }

    [JsonPropertyName("max_tokens")]
    public int? MaxTokens { get; set; }

    [JsonPropertyName("max_completion_tokens")]
    public int? MaxCompletionTokens { get; set; }

    [JsonPropertyName("stream")]
    public bool? Stream { get; set; }

    [JsonPropertyName("stream_options")]
    public StreamOptions? StreamOptions { get; set; }
}

/// <summary>One chat message; only its role and text matter to the simulator.</summary>
internal sealed class ChatMessage
{
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    [JsonPropertyName("content")]
    [JsonConverter(typeof(TextContentConverter))]
    public string? Content { get; set; }
}

/// <summary>The request's <c>stream_options</c>.</summary>
internal sealed class StreamOptions
{
    [JsonPropertyName("include_usage")]
    public bool? IncludeUsage { get; set; }
}
