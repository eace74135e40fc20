using System.Text.Json.Serialization;
using Maas.Hosting.Requests;

namespace Maas.Hosting.Contracts;

/// <summary>Body of <c>POST /v1/api-keys</c>.</summary>
internal sealed class ApiKeyCreateRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("expiration")]
    public ExpirationInput? Expiration { get; init; }
}

/// <summary>Answer of <c>POST /v1/api-keys</c>: the key, shown once.</summary>
internal sealed class ApiKeyCreatedResponse
{
    [JsonPropertyName("token")]
    public required string Token { get; init; }

    [JsonPropertyName("expiration")]
    public required string Expiration { get; init; }

    [JsonPropertyName("expiresAt")]
    public required long ExpiresAt { get; init; }

    [JsonPropertyName("jti")]
    public required string Jti { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }
}

/// <summary>Metadata of one key, as <c>GET /v1/api-keys</c> lists it.</summary>
internal sealed class ApiKeyMetadata
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("creationDate")]
    public required string CreationDate { get; init; }

    [JsonPropertyName("expirationDate")]
    public required string ExpirationDate { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("lastUsedDate")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LastUsedDate { get; init; }
}
