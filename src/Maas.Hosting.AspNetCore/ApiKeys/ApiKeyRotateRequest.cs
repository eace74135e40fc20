using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>Body of <c>POST /v1/api-keys/{id}/rotate</c>; may be empty (the configured default grace).</summary>
internal sealed class ApiKeyRotateRequest : IJsonRequestContract<ApiKeyRotateRequest>
{
    public static JsonTypeInfo<ApiKeyRotateRequest> JsonTypeInfo => MaasJsonContext.Default.ApiKeyRotateRequest;

    public static bool BodyIsOptional => true;

    /// <summary>How long the old key keeps working: a Go duration (<c>"1h"</c>, <c>"0s"</c>) or a number of seconds.</summary>
    [JsonPropertyName("grace")]
    public ExpirationInput? Grace { get; init; }
}
