using System.Text.Json.Serialization;

namespace Maas.Hosting.Tokens;

/// <summary>Answer of <c>POST /v1/tokens</c>.</summary>
internal sealed class TokenResponse
{
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    [JsonPropertyName("expiration")]
    public required string Expiration { get; init; }

    [JsonPropertyName("expiresAt")]
    public required long ExpiresAt { get; init; }

    [JsonPropertyName("issuedAt")]
    public required long IssuedAt { get; init; }

    [JsonPropertyName("jti")]
    public required string Jti { get; init; }
}
