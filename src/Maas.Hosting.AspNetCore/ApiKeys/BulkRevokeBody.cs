using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>Body of <c>POST /v1/api-keys/bulk-revoke</c>, as the Go service's.</summary>
internal sealed class BulkRevokeBody : IJsonRequestContract<BulkRevokeBody>
{
    public static JsonTypeInfo<BulkRevokeBody> JsonTypeInfo => MaasJsonContext.Default.BulkRevokeBody;

    [JsonPropertyName("username")]
    public string? Username { get; init; }

    /// <summary>Revoke the keys bound to this subscription (a tier's name), of <see cref="Username"/> alone when named: administrators only.</summary>
    [JsonPropertyName("subscription")]
    public string? Subscription { get; init; }

    [JsonPropertyName("dryRun")]
    public bool DryRun { get; init; }
}
