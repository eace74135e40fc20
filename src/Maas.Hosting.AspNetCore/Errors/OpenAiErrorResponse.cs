using System.Text.Json.Serialization;

namespace Maas.Hosting.Errors;

/// <summary>OpenAI's error shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed class OpenAiErrorResponse
{
    [JsonPropertyName("error")]
    public required OpenAiError Error { get; init; }
}
