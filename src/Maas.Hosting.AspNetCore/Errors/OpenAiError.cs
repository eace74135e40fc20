using System.Text.Json.Serialization;

namespace Maas.Hosting.Errors;

/// <summary>The inner object of OpenAI's error shape.</summary>
internal sealed class OpenAiError
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Gets the request parameter at fault (the gateway names the body member it refuses), or <see langword="null"/>, written as OpenAI writes it.</summary>
    [JsonPropertyName("param")]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Param { get; init; }

    [JsonPropertyName("code")]
    public required string? Code { get; init; }
}
