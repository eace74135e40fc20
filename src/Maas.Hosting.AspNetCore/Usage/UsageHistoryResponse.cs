using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>Answer of <c>GET /v1/usage/history</c>: the caller's usage per period and group, oldest first.</summary>
internal sealed class UsageHistoryResponse
{
    [JsonPropertyName("object")]
    public string Object { get; } = "usage_history";

    [JsonPropertyName("user")]
    public required string User { get; init; }

    [JsonPropertyName("from")]
    public required string From { get; init; }

    [JsonPropertyName("to")]
    public required string To { get; init; }

    [JsonPropertyName("granularity")]
    public required string Granularity { get; init; }

    [JsonPropertyName("group_by")]
    public required string GroupBy { get; init; }

    [JsonPropertyName("data")]
    public required IReadOnlyList<UsageHistoryEntry> Data { get; init; }
}
