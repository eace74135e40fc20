using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>OpenAI's error body, <c>{"error":{"message","type","param","code"}}</c>, which OpenAI clients turn into their exceptions.</summary>
internal sealed class OpenAIErrorResponse
{
    [JsonPropertyName("error")]
    public required OpenAIError Error { get; init; }

    public static OpenAIErrorResponse InvalidRequest(string message, string? param = null, string? code = null) =>
        new() { Error = new OpenAIError { Message = message, Type = "invalid_request_error", Param = param, Code = code } };
}

/// <summary>The inside of <see cref="OpenAIErrorResponse"/>.</summary>
internal sealed class OpenAIError
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("param")]
    public string? Param { get; init; }

    [JsonPropertyName("code")]
    public string? Code { get; init; }
}
