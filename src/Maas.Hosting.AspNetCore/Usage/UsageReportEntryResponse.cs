using System.Text.Json.Serialization;

namespace Maas.Hosting.Usage;

/// <summary>One group of <c>GET /v1/usage/report</c>, summed over the whole range and every user.</summary>
internal sealed class UsageReportEntryResponse : UsageCountsResponse
{
    /// <summary>Gets the user, model, tier or label value; <see langword="null"/> for calls without the label.</summary>
    [JsonPropertyName("group")]
    [JsonPropertyOrder(-1)]
    public required string? Group { get; init; }
}
