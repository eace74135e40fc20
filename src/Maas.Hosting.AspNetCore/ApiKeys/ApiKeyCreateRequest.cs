using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>Body of <c>POST /v1/api-keys</c>.</summary>
internal sealed class ApiKeyCreateRequest : IJsonRequestContract<ApiKeyCreateRequest>
{
    public static JsonTypeInfo<ApiKeyCreateRequest> JsonTypeInfo => MaasJsonContext.Default.ApiKeyCreateRequest;

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("expiration")]
    public ExpirationInput? Expiration { get; init; }

    // A value that is not a string fails binding with a 400 naming labels.<key>.
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; init; }
}
