using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>One period and group of <c>GET /v1/usage/history</c>.</summary>
internal sealed class UsageHistoryEntry
{
    /// <summary>Gets the period's start, RFC 3339 in UTC.</summary>
    [JsonPropertyName("start")]
    public required string Start { get; init; }

    /// <summary>Gets the model, the key's id (or <c>token</c>), or the label's value; <see langword="null"/> for calls without the label.</summary>
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
