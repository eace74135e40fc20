using System.Text.Json.Serialization;

namespace Maas.Hosting.Contracts;

/// <summary>The inner object of OpenAI's error shape.</summary>
internal sealed class OpenAiError
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("code")]
    public required string? Code { get; init; }
}
