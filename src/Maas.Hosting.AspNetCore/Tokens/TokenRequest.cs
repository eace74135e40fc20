using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.Tokens;

/// <summary>Body of <c>POST /v1/tokens</c>.</summary>
internal sealed class TokenRequest : IJsonRequestContract<TokenRequest>
{
    public static JsonTypeInfo<TokenRequest> JsonTypeInfo => MaasJsonContext.Default.TokenRequest;

    public static bool BodyIsOptional => true;

    [JsonPropertyName("expiration")]
    public ExpirationInput? Expiration { get; init; }
}
