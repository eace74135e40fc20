using System.Text.Json.Serialization;

namespace Maas.Hosting.Health;

/// <summary>Answer of <c>GET /health</c>.</summary>
internal sealed class HealthResponse
{
    [JsonPropertyName("status")]
    public required string Status { get; init; }
}
