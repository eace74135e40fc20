using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Maas.ApiKeys;
using Maas.Hosting.Requests;
using Maas.Tiers;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// A key's own limits on the wire, named as a tier's in configuration (<c>Requests</c>,
/// <c>TokensPerMinute</c>, <c>Budgets</c> of <c>Period</c>, <c>Tokens</c>, <c>Requests</c>) and in
/// camel case as the rest of the API: <c>{"requests":5,"tokensPerMinute":1000,"budgets":[{"period":"month","tokens":100000}]}</c>.
/// A member it does not know is a 400 (a misspelt limit never passes as none).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ApiKeyLimitsBody : IJsonRequestContract<ApiKeyLimitsBody>
{
    /// <summary>Gets the body's type information (<c>PUT /v1/api-keys/{id}/limits</c>).</summary>
    public static JsonTypeInfo<ApiKeyLimitsBody> JsonTypeInfo => MaasJsonContext.Default.ApiKeyLimitsBody;

    /// <summary>Requests per the tier's window; 0 or absent sets none.</summary>
    [JsonPropertyName("requests")]
    public int Requests { get; init; }

    /// <summary>LLM tokens per minute; 0 or absent sets none.</summary>
    [JsonPropertyName("tokensPerMinute")]
    public long TokensPerMinute { get; init; }

    /// <summary>Budgets over long periods; absent when none.</summary>
    [JsonPropertyName("budgets")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ApiKeyBudgetBody>? Budgets { get; init; }

    public static ApiKeyLimitsBody? From(ApiKeyLimits? limits) => limits is null ? null : new()
    {
        Requests = limits.Requests,
        TokensPerMinute = limits.TokensPerMinute,
        Budgets = limits.Budgets.Count == 0 ? null : [.. limits.Budgets.Select(b => new ApiKeyBudgetBody { Period = b.Period, Tokens = b.Tokens, Requests = b.Requests })],
    };

    public ApiKeyLimits ToLimits() => new()
    {
        Requests = Requests,
        TokensPerMinute = TokensPerMinute,
        Budgets = Budgets is null ? [] : [.. Budgets.Select(b => b is null ? null! : new TierBudget { Period = b.Period ?? "", Tokens = b.Tokens, Requests = b.Requests })],
    };
}

/// <summary>One budget of a key's own limits: <c>{"period":"month","tokens":100000,"requests":0}</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed class ApiKeyBudgetBody
{
    /// <summary><c>day</c>, <c>week</c>, <c>month</c> or a Go duration.</summary>
    [JsonPropertyName("period")]
    public string? Period { get; init; }

    [JsonPropertyName("tokens")]
    public long Tokens { get; init; }

    [JsonPropertyName("requests")]
    public long Requests { get; init; }
}
