using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>Answer of <c>POST /v1/api-keys</c>: the key, shown once. Not sealed: a rotation answers the same fields and more (<see cref="ApiKeyRotatedResponse"/>).</summary>
internal class ApiKeyCreatedResponse
{
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    [JsonPropertyName("expiration")]
    public required string Expiration { get; init; }

    [JsonPropertyName("expiresAt")]
    public required long ExpiresAt { get; init; }

    [JsonPropertyName("jti")]
    public required string Jti { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}
