using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>Body of <c>POST /v1/api-keys/search</c>, as the Go service's; every part optional, an empty body too.</summary>
internal sealed class ApiKeySearchBody : IJsonRequestContract<ApiKeySearchBody>
{
    public static JsonTypeInfo<ApiKeySearchBody> JsonTypeInfo => MaasJsonContext.Default.ApiKeySearchBody;

    public static bool BodyIsOptional => true;

    [JsonPropertyName("filters")]
    public ApiKeySearchFilters? Filters { get; init; }

    [JsonPropertyName("sort")]
    public ApiKeySearchSort? Sort { get; init; }

    [JsonPropertyName("pagination")]
    public ApiKeySearchPagination? Pagination { get; init; }
}

/// <summary>The <c>filters</c> of a search.</summary>
internal sealed class ApiKeySearchFilters
{
    [JsonPropertyName("username")]
    public string? Username { get; init; }

    [JsonPropertyName("status")]
    public List<string>? Status { get; init; }

    /// <summary>Whether ephemeral keys are found too; left out by default, as in the later Go service.</summary>
    [JsonPropertyName("includeEphemeral")]
    public bool? IncludeEphemeral { get; init; }

    /// <summary>The subscription (a tier's name) the found keys are bound to; over others' keys, as any search, for administrators only.</summary>
    [JsonPropertyName("subscription")]
    public string? Subscription { get; init; }

    [JsonPropertyName("labelsContain")]
    public Dictionary<string, string>? LabelsContain { get; init; }
}

/// <summary>The <c>sort</c> of a search.</summary>
internal sealed class ApiKeySearchSort
{
    [JsonPropertyName("by")]
    public string? By { get; init; }

    [JsonPropertyName("order")]
    public string? Order { get; init; }
}

/// <summary>The <c>pagination</c> of a search: offset as the Go service's, plus an opaque keyset cursor.</summary>
internal sealed class ApiKeySearchPagination
{
    [JsonPropertyName("limit")]
    public int? Limit { get; init; }

    [JsonPropertyName("offset")]
    public int? Offset { get; init; }

    [JsonPropertyName("cursor")]
    public string? Cursor { get; init; }
}
