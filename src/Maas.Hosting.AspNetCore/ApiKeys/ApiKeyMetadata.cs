using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Metadata of one key, as <c>GET /v1/api-keys</c> lists it and <c>GET /v1/api-keys/{id}</c> answers
/// it: the January shape, plus the later Go service's <c>username</c> (the owner).
/// </summary>
internal sealed class ApiKeyMetadata
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Gets the owner (the later Go service's member; an administrator reads others' keys).</summary>
    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("creationDate")]
    public required string CreationDate { get; init; }

    [JsonPropertyName("expirationDate")]
    public required string ExpirationDate { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("lastUsedDate")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastUsedDate { get; init; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Gets whether the key is ephemeral (the later Go service's); written only when it is, so other keys' answers keep their shape.</summary>
    [JsonPropertyName("ephemeral")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Ephemeral { get; init; }

    /// <summary>The key's own limits; absent when it has none (the tier's alone apply).</summary>
    [JsonPropertyName("limits")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ApiKeyLimitsBody? Limits { get; init; }

    /// <summary>Gets the subscription (a tier's name) the key draws on (the later Go service's); absent when it has none, so other answers keep their shape.</summary>
    [JsonPropertyName("subscription")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subscription { get; init; }
}
