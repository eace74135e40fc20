using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>One period and group of <c>GET /v1/usage/history</c>.</summary>
internal sealed class UsageHistoryEntry : UsageCountsResponse
{
    /// <summary>Gets the period's start, RFC 3339 in UTC.</summary>
    [JsonPropertyName("start")]
    [JsonPropertyOrder(-2)]
    public required string Start { get; init; }

    /// <summary>Gets the model, the key's id (or <c>token</c>), or the label's value; <see langword="null"/> for calls without the label.</summary>
    [JsonPropertyName("group")]
    [JsonPropertyOrder(-1)]
    public required string? Group { get; init; }
}
