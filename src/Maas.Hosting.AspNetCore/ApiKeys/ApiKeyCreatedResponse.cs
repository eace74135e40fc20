using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Answer of <c>POST /v1/api-keys</c>: the key, shown once. Both contracts' names where they do not
/// collide: the January <c>token</c>, <c>jti</c>, <c>expiration</c> and the later Go service's
/// <c>key</c>, <c>id</c>, <c>keyPrefix</c>, <c>createdAt</c>. <c>expiresAt</c> collides (Unix seconds
/// here, RFC 3339 text there) and stays the January one; the same instant in RFC 3339 is
/// <c>expirationDate</c>, as the key's record says. Not sealed: a rotation answers the same fields
/// and more (<see cref="ApiKeyRotatedResponse"/>).
/// </summary>
internal class ApiKeyCreatedResponse
{
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    [JsonPropertyName("expiration")]
    public required string Expiration { get; init; }

    [JsonPropertyName("expiresAt")]
    public required long ExpiresAt { get; init; }

    [JsonPropertyName("jti")]
    public required string Jti { get; init; }

    /// <summary>Gets the later Go service's name of <see cref="Token"/>.</summary>
    [JsonPropertyName("key")]
    public string Key => Token;

    /// <summary>Gets the later Go service's name of <see cref="Jti"/>.</summary>
    [JsonPropertyName("id")]
    public string Id => Jti;

    /// <summary>Gets the key's prefix and the first characters of its id, for display (the later Go service's).</summary>
    [JsonPropertyName("keyPrefix")]
    public required string KeyPrefix { get; init; }

    /// <summary>Gets when the key was created, RFC 3339 (the later Go service's).</summary>
    [JsonPropertyName("createdAt")]
    public required string CreatedAt { get; init; }

    /// <summary>Gets when the key expires, RFC 3339: <see cref="ExpiresAt"/> as the key's record names it.</summary>
    [JsonPropertyName("expirationDate")]
    public required string ExpirationDate { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("labels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Gets whether the key is ephemeral (the later Go service's); written only when it is, so other answers keep their shape.</summary>
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
