using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.Tiers;

/// <summary>Body of <c>POST /v1/tiers/lookup</c>.</summary>
internal sealed class TierLookupRequest : IJsonRequestContract<TierLookupRequest>
{
    public static JsonTypeInfo<TierLookupRequest> JsonTypeInfo => MaasJsonContext.Default.TierLookupRequest;

    public static string? BadRequestCode => "bad_request";

    [JsonPropertyName("groups")]
    public IReadOnlyList<string>? Groups { get; init; }
}
