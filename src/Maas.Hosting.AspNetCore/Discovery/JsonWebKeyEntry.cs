using System.Text.Json.Serialization;

namespace Maas.Hosting.Discovery;

/// <summary>One public key of the JWKS document.</summary>
internal sealed class JsonWebKeyEntry
{
    [JsonPropertyName("kty")]
    public required string Kty { get; init; }

    [JsonPropertyName("crv")]
    public required string Crv { get; init; }

    [JsonPropertyName("x")]
    public required string X { get; init; }

    [JsonPropertyName("y")]
    public required string Y { get; init; }

    [JsonPropertyName("kid")]
    public required string Kid { get; init; }

    [JsonPropertyName("alg")]
    public required string Alg { get; init; }

    [JsonPropertyName("use")]
    public required string Use { get; init; }
}
