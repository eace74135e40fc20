using System.Text.Json.Serialization;

namespace Maas.Hosting.Auditing;

/// <summary>One entry of <c>GET /v1/audit</c>. No secret: ids and names only.</summary>
internal sealed class AuditEntryResponse
{
    [JsonPropertyName("object")]
    public string Object { get; } = "audit_entry";

    /// <summary>Gets the entry's sequence in the trail.</summary>
    [JsonPropertyName("id")]
    public required long Id { get; init; }

    /// <summary>Gets the instant, RFC 3339 UTC with microseconds.</summary>
    [JsonPropertyName("at")]
    public required string At { get; init; }

    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("actor")]
    public required string Actor { get; init; }

    [JsonPropertyName("subject")]
    public required string Subject { get; init; }

    [JsonPropertyName("key_id")]
    public string? KeyId { get; init; }

    [JsonPropertyName("replaced_key_id")]
    public string? ReplacedKeyId { get; init; }

    [JsonPropertyName("count")]
    public int? Count { get; init; }

    [JsonPropertyName("request_id")]
    public string? RequestId { get; init; }

    [JsonPropertyName("client_address")]
    public string? ClientAddress { get; init; }

    /// <summary>What changed, for <c>set_limits</c>: <c>{"old":…,"new":…}</c>, the key's limits before and after; absent for other actions.</summary>
    [JsonPropertyName("detail")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public System.Text.Json.JsonElement? Detail { get; init; }
}
