using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>Answer of <c>GET /v1/usage/report</c>: one page of the groups with the most tokens, and the cursor of the next.</summary>
internal sealed class UsageReportResponse
{
    [JsonPropertyName("object")]
    public string Object { get; } = "usage_report";

    [JsonPropertyName("from")]
    public required string From { get; init; }

    [JsonPropertyName("to")]
    public required string To { get; init; }

    [JsonPropertyName("group_by")]
    public required string GroupBy { get; init; }

    [JsonPropertyName("data")]
    public required IReadOnlyList<UsageReportEntryResponse> Data { get; init; }

    [JsonPropertyName("has_more")]
    public required bool HasMore { get; init; }

    /// <summary>Gets the cursor of the next page; <see langword="null"/> on the last.</summary>
    [JsonPropertyName("next_cursor")]
    public required string? NextCursor { get; init; }
}
