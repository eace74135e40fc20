using System.Text.Json.Serialization;

namespace Maas.Hosting.Contracts;

/// <summary>Answer of <c>GET /health</c>.</summary>
internal sealed class HealthResponse
{
    [JsonPropertyName("status")]
    public required string Status { get; init; }
}

/// <summary>Body of <c>POST /v1/tiers/lookup</c>.</summary>
internal sealed class TierLookupRequest
{
    [JsonPropertyName("groups")]
    public IReadOnlyList<string>? Groups { get; init; }
}

/// <summary>Answer of <c>POST /v1/tiers/lookup</c>.</summary>
internal sealed class TierLookupResponse
{
    [JsonPropertyName("tier")]
    public required string Tier { get; init; }

    [JsonPropertyName("displayName")]
    public required string DisplayName { get; init; }
}

/// <summary>The JWKS document (RFC 7517).</summary>
internal sealed class JsonWebKeySetDocument
{
    [JsonPropertyName("keys")]
    public required IReadOnlyList<JsonWebKeyEntry> Keys { get; init; }
}

/// <summary>One public key of the JWKS document.</summary>
internal sealed class JsonWebKeyEntry
{
    [JsonPropertyName("kty")]
    public required string Kty { get; init; }

    [JsonPropertyName("crv")]
    public required string Crv { get; init; }

    [JsonPropertyName("x")]
    public required string X { get; init; }

    [JsonPropertyName("y")]
    public required string Y { get; init; }

    [JsonPropertyName("kid")]
    public required string Kid { get; init; }

    [JsonPropertyName("alg")]
    public required string Alg { get; init; }

    [JsonPropertyName("use")]
    public required string Use { get; init; }
}

/// <summary>The OpenID Connect discovery document, limited to what gateways need to verify tokens.</summary>
internal sealed class DiscoveryDocument
{
    [JsonPropertyName("issuer")]
    public required string Issuer { get; init; }

    [JsonPropertyName("jwks_uri")]
    public required string JwksUri { get; init; }

    [JsonPropertyName("id_token_signing_alg_values_supported")]
    public IReadOnlyList<string> SigningAlgorithms { get; init; } = ["ES256"];

    [JsonPropertyName("token_endpoint_auth_methods_supported")]
    public IReadOnlyList<string> AuthMethods { get; init; } = ["client_secret_basic"];

    [JsonPropertyName("response_types_supported")]
    public IReadOnlyList<string> ResponseTypes { get; init; } = ["token"];

    [JsonPropertyName("subject_types_supported")]
    public IReadOnlyList<string> SubjectTypes { get; init; } = ["public"];

    [JsonPropertyName("introspection_endpoint")]
    public required string IntrospectionEndpoint { get; init; }

    [JsonPropertyName("introspection_endpoint_auth_methods_supported")]
    public IReadOnlyList<string> IntrospectionAuthMethods { get; init; } = ["client_secret_basic"];
}

/// <summary>OpenAI's error shape: <c>{"error":{"message","type","code"}}</c>.</summary>
internal sealed class OpenAiErrorResponse
{
    [JsonPropertyName("error")]
    public required OpenAiError Error { get; init; }
}

/// <summary>The inner object of OpenAI's error shape.</summary>
internal sealed class OpenAiError
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("code")]
    public required string? Code { get; init; }
}

/// <summary>RFC 7807 problem details that also carry <c>error</c> (and <c>message</c>), so <c>jq .error</c> works as before.</summary>
internal sealed class MaasProblem
{
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("status")]
    public required int Status { get; init; }

    [JsonPropertyName("detail")]
    public required string Detail { get; init; }

    [JsonPropertyName("error")]
    public required string Error { get; init; }

    [JsonPropertyName("message")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Message { get; init; }

    [JsonPropertyName("field")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }

    /// <summary>Gets the RFC 6749 <c>error_description</c>, on the OAuth endpoints (introspection).</summary>
    [JsonPropertyName("error_description")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ErrorDescription { get; init; }
}
