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

    /// <summary>Keys belong to tiers here, not subscriptions: a non-empty value is a 400.</summary>
    [JsonPropertyName("subscription")]
    public string? Subscription { get; init; }

    [JsonPropertyName("dryRun")]
    public bool DryRun { get; init; }
}
