using System.Text.Json.Serialization;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Answer of <c>POST /v1/api-keys/{id}/rotate</c>: the new key, shown once, in the shape of the
/// creation answer, plus the key it replaced and when that one stops working.
/// </summary>
internal sealed class ApiKeyRotatedResponse : ApiKeyCreatedResponse
{
    /// <summary>Gets the id of the key replaced.</summary>
    [JsonPropertyName("rotatedFrom")]
    public required string RotatedFrom { get; init; }

    /// <summary>Gets when the replaced key stops working (fails as expired), Unix seconds.</summary>
    [JsonPropertyName("rotatedFromExpiresAt")]
    public required long RotatedFromExpiresAt { get; init; }
}
