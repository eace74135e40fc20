using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>Answer of <c>POST /v1/api-keys/bulk-revoke</c>, as the Go service's.</summary>
internal sealed class BulkRevokeResponse
{
    [JsonPropertyName("revokedCount")]
    public required int RevokedCount { get; init; }

    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("dryRun")]
    public required bool DryRun { get; init; }
}
