using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Answer of <c>GET /v1/api-keys/config</c>, as the Go service's: the longest key lifetime in whole
/// days (<c>Maas:ApiKeys:Maximum</c>) and the longest short-lived credential
/// (<c>Maas:Tokens:Maximum</c>: tokens play the role of the Go service's ephemeral keys).
/// </summary>
internal sealed class ApiKeyConfigResponse
{
    [JsonPropertyName("max_expiration_days")]
    public required long MaxExpirationDays { get; init; }

    [JsonPropertyName("ephemeral_max_expiration")]
    public required string EphemeralMaxExpiration { get; init; }
}
