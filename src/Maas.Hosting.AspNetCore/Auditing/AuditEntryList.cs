using System.Text.Json.Serialization;

namespace Maas.Hosting.Auditing;

/// <summary>Answer of <c>GET /v1/audit</c>: one page, newest first, and the cursor of the next.</summary>
internal sealed class AuditEntryList
{
    [JsonPropertyName("object")]
    public string Object { get; } = "list";

    [JsonPropertyName("data")]
    public required IReadOnlyList<AuditEntryResponse> Data { get; init; }

    [JsonPropertyName("has_more")]
    public required bool HasMore { get; init; }

    /// <summary>Gets the cursor of the next page; <see langword="null"/> on the last.</summary>
    [JsonPropertyName("next_cursor")]
    public required string? NextCursor { get; init; }
}
