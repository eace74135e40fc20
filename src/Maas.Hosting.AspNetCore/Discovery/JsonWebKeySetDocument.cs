using System.Text.Json.Serialization;

namespace Maas.Hosting.Discovery;

/// <summary>The JWKS document (RFC 7517).</summary>
internal sealed class JsonWebKeySetDocument
{
    [JsonPropertyName("keys")]
    public required IReadOnlyList<JsonWebKeyEntry> Keys { get; init; }
}
