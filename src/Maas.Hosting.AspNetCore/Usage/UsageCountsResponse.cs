using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>
/// The counts of an entry of <c>GET /v1/usage/history</c> (<see cref="UsageHistoryEntry"/>) and of
/// <c>GET /v1/usage/report</c> (<see cref="UsageReportEntryResponse"/>): named once, so both answers (and
/// their CSV, <see cref="UsageCsv.CountNames"/>) name them alike. Written after the entry's own members.
/// </summary>
internal abstract class UsageCountsResponse
{
    [JsonPropertyName("requests")]
    public required long Requests { get; init; }

    [JsonPropertyName("limited_requests")]
    public required long LimitedRequests { get; init; }

    [JsonPropertyName("failed_requests")]
    public required long FailedRequests { get; init; }

    [JsonPropertyName("prompt_tokens")]
    public required long PromptTokens { get; init; }

    [JsonPropertyName("completion_tokens")]
    public required long CompletionTokens { get; init; }

    [JsonPropertyName("total_tokens")]
    public required long TotalTokens { get; init; }
}
