using System.Text.Json.Serialization;
using Maas.Hosting.Introspection;

namespace Maas.Hosting.Discovery;

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
