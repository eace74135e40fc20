using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>Answer of <c>POST /internal/v1/api-keys/cleanup</c>, the later Go service's <c>CleanupResponse</c>.</summary>
internal sealed class EphemeralCleanupResponse
{
    [JsonPropertyName("deletedCount")]
    public required long DeletedCount { get; init; }

    [JsonPropertyName("message")]
    public required string Message { get; init; }
}
