using System.Text.Json.Serialization;

namespace Maas.Hosting.Tiers;

/// <summary>Answer of <c>POST /v1/tiers/lookup</c>.</summary>
internal sealed class TierLookupResponse
{
    [JsonPropertyName("tier")]
    public required string Tier { get; init; }

    [JsonPropertyName("displayName")]
    public required string DisplayName { get; init; }
}
