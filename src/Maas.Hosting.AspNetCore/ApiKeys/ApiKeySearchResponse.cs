using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>Answer of <c>POST /v1/api-keys/search</c>: the Go service's list, plus <c>next_cursor</c> when more follow.</summary>
internal sealed class ApiKeySearchResponse
{
    [JsonPropertyName("object")]
    public string Object { get; } = "list";

    [JsonPropertyName("data")]
    public required IReadOnlyList<ApiKeyView> Data { get; init; }

    [JsonPropertyName("has_more")]
    public required bool HasMore { get; init; }

    [JsonPropertyName("next_cursor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NextCursor { get; init; }
}
