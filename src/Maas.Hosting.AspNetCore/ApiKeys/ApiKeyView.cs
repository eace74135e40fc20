using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// One key in a search answer, in the newer Go service's <c>ApiKey</c> shape (it names the owner, so
/// an administrator's search of everyone says whose each key is). No hash, never the key.
/// </summary>
internal sealed class ApiKeyView
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("groups")]
    public required IReadOnlyList<string> Groups { get; init; }

    [JsonPropertyName("creationDate")]
    public required string CreationDate { get; init; }

    [JsonPropertyName("expirationDate")]
    public required string ExpirationDate { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("lastUsedAt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastUsedAt { get; init; }

    /// <summary>Gets whether the key is ephemeral (always written, as the later Go service does).</summary>
    [JsonPropertyName("ephemeral")]
    public bool Ephemeral { get; init; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>The key's own limits; absent when it has none (the tier's alone apply).</summary>
    [JsonPropertyName("limits")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ApiKeyLimitsBody? Limits { get; init; }

    /// <summary>Gets the subscription (a tier's name) the key draws on (the later Go service's); absent when it has none, so other answers keep their shape.</summary>
    [JsonPropertyName("subscription")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Subscription { get; init; }
}
