using System.Globalization;
using Maas.Errors;
using Maas.Tiers;

namespace Maas.ApiKeys;

/// <summary>
/// The rules a key's own limits follow: every number within the bounds a tier's has (amounts
/// 0..<see cref="TierBudget.MaxAmount"/>, at most <see cref="ApiKeyLimits.MaxBudgets"/> budgets, one
/// per period), and none above the tier's same limit or same-period budget. A limit or budget the
/// tier does not set is allowed: it only tightens. Checked in Maas.Core, so every host answers the
/// same 400 naming the field (<c>limits.budgets[0].tokens</c>).
/// </summary>
internal static class ApiKeyLimitRules
{
    /// <summary>
    /// Checks <paramref name="limits"/> against <paramref name="tier"/> and returns a copy the caller
    /// cannot change (periods written as <see cref="BudgetPeriod"/> names them), or <see langword="null"/> when it sets nothing.
    /// </summary>
    public static ApiKeyLimits? Normalize(string field, ApiKeyLimits? limits, Tier tier)
    {
        if (limits is null)
        {
            return null;
        }

        Amount($"{field}.requests", limits.Requests, tier.Limits.Requests, $"the {tier.Limits.Requests} requests per {tier.Limits.Window} of tier '{tier.Name}'");
        Amount($"{field}.tokensPerMinute", limits.TokensPerMinute, tier.Limits.TokensPerMinute, $"the {tier.Limits.TokensPerMinute} LLM tokens per minute of tier '{tier.Name}'");
        var budgets = limits.Budgets ?? [];
        if (budgets.Count > ApiKeyLimits.MaxBudgets)
        {
            throw new InvalidRequestException($"{field}.budgets", $"{field}.budgets may hold at most {ApiKeyLimits.MaxBudgets} budgets (got {budgets.Count}).");
        }

        var periods = new HashSet<BudgetPeriod>();
        var copies = new List<TierBudget>(budgets.Count);
        for (var i = 0; i < budgets.Count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{field}.budgets[{i}]");
            var budget = budgets[i] ?? throw new InvalidRequestException(name, $"{name} must be an object.");
            if (!BudgetPeriod.TryParse(budget.Period, out var period, out var error))
            {
                throw new InvalidRequestException($"{name}.period", $"{name}.period: {error}.");
            }

            if (!periods.Add(period))
            {
                throw new InvalidRequestException($"{name}.period", $"{name}.period repeats '{period}'; a key has at most one budget per period (set tokens and requests in the same one).");
            }

            var tierBudget = TierBudgetFor(tier.Limits, period);
            Amount($"{name}.tokens", budget.Tokens, tierBudget?.Tokens ?? 0, $"the {tierBudget?.Tokens} LLM tokens per {period} of tier '{tier.Name}'");
            Amount($"{name}.requests", budget.Requests, tierBudget?.Requests ?? 0, $"the {tierBudget?.Requests} requests per {period} of tier '{tier.Name}'");
            if (budget.Tokens == 0 && budget.Requests == 0)
            {
                throw new InvalidRequestException(name, $"{name} must set tokens or requests (or both).");
            }

            copies.Add(new TierBudget { Period = period.ToString(), Tokens = budget.Tokens, Requests = budget.Requests });
        }

        return limits.Requests == 0 && limits.TokensPerMinute == 0 && copies.Count == 0
            ? null
            : new ApiKeyLimits { Requests = limits.Requests, TokensPerMinute = limits.TokensPerMinute, Budgets = copies.AsReadOnly() };
    }

    /// <summary>The audit detail of a change: <c>{"old":…,"new":…}</c>, each the limits as the REST API names them (the stores' column's text, <see cref="ApiKeyLimitsJson"/>), or <c>null</c>.</summary>
    public static string Describe(ApiKeyLimits? before, ApiKeyLimits? after)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            Write(writer, "old", before);
            Write(writer, "new", after);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);

        static void Write(System.Text.Json.Utf8JsonWriter writer, string name, ApiKeyLimits? limits)
        {
            if (limits is null)
            {
                writer.WriteNull(name);
                return;
            }

            writer.WritePropertyName(name);
            ApiKeyLimitsJson.WriteObject(writer, limits);
        }
    }

    // 0 sets none; a key's amount above the tier's same limit (when the tier sets one) is refused.
    private static void Amount(string field, long amount, long tierAmount, string tierText)
    {
        if (amount is < 0 or > TierBudget.MaxAmount)
        {
            throw new InvalidRequestException(field, $"{field} must lie between 0 (none) and {TierBudget.MaxAmount} (got {amount}).");
        }

        if (tierAmount > 0 && amount > tierAmount)
        {
            throw new InvalidRequestException(field, $"{field} ({amount}) is above {tierText}; a key's limits may only tighten its tier's.");
        }
    }

    private static TierBudget? TierBudgetFor(TierLimits limits, BudgetPeriod period)
    {
        foreach (var budget in limits.Budgets)
        {
            if (budget is not null && BudgetPeriod.TryParse(budget.Period, out var tierPeriod, out _) && tierPeriod == period)
            {
                return budget;
            }
        }

        return null;
    }
}
