using System.Text.Json.Serialization;

namespace Maas.Hosting.Contracts;

/// <summary>Source-generated serialization for every wire contract: no reflection, trimming-safe, fast.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(ApiKeyCreateRequest))]
[JsonSerializable(typeof(ApiKeyCreatedResponse))]
[JsonSerializable(typeof(ApiKeyMetadata))]
[JsonSerializable(typeof(IReadOnlyList<ApiKeyMetadata>))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(TierLookupRequest))]
[JsonSerializable(typeof(TierLookupResponse))]
[JsonSerializable(typeof(JsonWebKeySetDocument))]
[JsonSerializable(typeof(DiscoveryDocument))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
[JsonSerializable(typeof(MaasProblem))]
[JsonSerializable(typeof(IntrospectionResponse))]
internal sealed partial class MaasJsonContext : JsonSerializerContext;
