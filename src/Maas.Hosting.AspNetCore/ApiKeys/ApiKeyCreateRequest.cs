using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Body of <c>POST /v1/api-keys</c>: the January contract's members and the later Go service's
/// (<c>expiresIn</c>, its name for <c>expiration</c>). Members neither knows are kept in
/// <see cref="Unknown"/>, so one that names a lifetime can be refused rather than ignored.
/// </summary>
internal sealed class ApiKeyCreateRequest : IJsonRequestContract<ApiKeyCreateRequest>
{
    public static JsonTypeInfo<ApiKeyCreateRequest> JsonTypeInfo => MaasJsonContext.Default.ApiKeyCreateRequest;

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("expiration")]
    public ExpirationInput? Expiration { get; init; }

    /// <summary>The later Go service's name for <see cref="Expiration"/>.</summary>
    [JsonPropertyName("expiresIn")]
    public ExpirationInput? ExpiresIn { get; init; }

    // A value that is not a string fails binding with a 400 naming labels.<key>.
    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; init; }

    /// <summary>The later Go service's short-lived key: the name may be left out, the lifetime is a token's.</summary>
    [JsonPropertyName("ephemeral")]
    public bool? Ephemeral { get; init; }

    /// <summary>The key's own limits, never above its owner's tier's (a 400 naming the field).</summary>
    [JsonPropertyName("limits")]
    public ApiKeyLimitsBody? Limits { get; init; }

    /// <summary>The later Go service's subscription: here the name of a tier the caller is entitled to, whose limits the key draws on.</summary>
    [JsonPropertyName("subscription")]
    public string? Subscription { get; init; }

    /// <summary>Members of neither contract, judged by <see cref="ApiKeyLifetimeMembers"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}
