using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>One group of <c>GET /v1/usage/report</c>, summed over the whole range and every user.</summary>
internal sealed class UsageReportEntryResponse
{
    /// <summary>Gets the user, model, tier or label value; <see langword="null"/> for calls without the label.</summary>
    [JsonPropertyName("group")]
    public required string? Group { get; init; }

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
