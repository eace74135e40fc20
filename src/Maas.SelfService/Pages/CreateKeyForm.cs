using System.Globalization;
using Maas.ApiKeys;
using Maas.Tiers;

namespace Maas.SelfService.Pages;

/// <summary>What the create form posts.</summary>
internal sealed class CreateKeyForm
{
    /// <summary>The periods the form's budget row offers.</summary>
    public static readonly IReadOnlyList<string> BudgetPeriods = ["day", "week", "month"];

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Expiration { get; set; }

    /// <summary>The tier the key draws on, when the caller is entitled to several; empty for their highest.</summary>
    public string? Subscription { get; set; }

    /// <summary>The one-time token the form was shown with: a second submission of the same form makes no second key.</summary>
    public string? FormToken { get; set; }

    /// <summary>The key's own requests per window of the tier, as typed; empty or 0 for none.</summary>
    public string? LimitRequests { get; set; }

    /// <summary>The key's own LLM tokens per minute, as typed; empty or 0 for none.</summary>
    public string? LimitTokensPerMinute { get; set; }

    /// <summary>The budget row's period: one of <see cref="BudgetPeriods"/>.</summary>
    public string? BudgetPeriod { get; set; }

    /// <summary>The budget row's LLM tokens per period, as typed; empty or 0 for none.</summary>
    public string? BudgetTokens { get; set; }

    /// <summary>The budget row's requests per period, as typed; empty or 0 for none.</summary>
    public string? BudgetRequests { get; set; }

    /// <summary>
    /// Reads the limit fields into the limits <see cref="ApiKeyService"/> checks (against the tier too,
    /// naming a refused field as the REST API does: <c>limits.budgets[0].tokens</c>), or says which
    /// field is not a whole number. Empty fields set nothing; an empty budget row adds no budget.
    /// </summary>
    public bool TryReadLimits(out ApiKeyLimits? limits, out string? field, out string? error)
    {
        limits = null;
        if (!TryReadCount(LimitRequests, "limits.requests", int.MaxValue, out var requests, out field, out error)
            || !TryReadCount(LimitTokensPerMinute, "limits.tokensPerMinute", long.MaxValue, out var tokensPerMinute, out field, out error)
            || !TryReadCount(BudgetTokens, "limits.budgets[0].tokens", long.MaxValue, out var budgetTokens, out field, out error)
            || !TryReadCount(BudgetRequests, "limits.budgets[0].requests", long.MaxValue, out var budgetRequests, out field, out error))
        {
            return false;
        }

        var period = string.IsNullOrWhiteSpace(BudgetPeriod) ? "day" : BudgetPeriod.Trim();
        if (!BudgetPeriods.Contains(period, StringComparer.Ordinal))
        {
            (field, error) = ("limits.budgets[0].period", "The budget's period must be day, week or month.");
            return false;
        }

        TierBudget[] budgets = budgetTokens == 0 && budgetRequests == 0 ? [] : [new TierBudget { Period = period, Tokens = budgetTokens, Requests = budgetRequests }];
        if (requests != 0 || tokensPerMinute != 0 || budgets.Length != 0)
        {
            limits = new ApiKeyLimits { Requests = (int)requests, TokensPerMinute = tokensPerMinute, Budgets = budgets };
        }

        return true;
    }

    /// <summary>Reads a count typed in a field: digits only, at most <paramref name="max"/> (what the limit's type holds; Core's rules bound it further), empty for 0.</summary>
    private static bool TryReadCount(string? text, string name, long max, out long count, out string? field, out string? error)
    {
        (count, field, error) = (0, null, null);
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return true;
        }

        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count > max)
        {
            var shown = trimmed.Length > 24 ? trimmed[..24] + "…" : trimmed;
            (count, field, error) = (0, name, $"'{shown}' is not a whole number from 0 to {max.ToString(CultureInfo.InvariantCulture)}: write it in digits, or leave it empty for none.");
            return false;
        }

        return true;
    }
}
