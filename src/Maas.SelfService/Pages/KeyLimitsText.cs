using Maas.ApiKeys;

namespace Maas.SelfService.Pages;

/// <summary>How the key list shows a key's own limits: "2 requests per 2 minutes, 50 LLM tokens per minute, 1,000 LLM tokens per month".</summary>
internal static class KeyLimitsText
{
    /// <summary>Describes <paramref name="limits"/>; the requests are per the tier's <paramref name="window"/> (when known).</summary>
    public static string Describe(ApiKeyLimits limits, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var parts = new List<string>();
        if (limits.Requests > 0)
        {
            parts.Add($"{Display.Show(limits.Requests)} requests per {(window is { } w ? Display.Show(w) : "window of the tier")}");
        }

        if (limits.TokensPerMinute > 0)
        {
            parts.Add($"{Display.Show(limits.TokensPerMinute)} LLM tokens per minute");
        }

        foreach (var budget in limits.Budgets)
        {
            if (budget.Tokens > 0)
            {
                parts.Add($"{Display.Show(budget.Tokens)} LLM tokens per {budget.Period}");
            }

            if (budget.Requests > 0)
            {
                parts.Add($"{Display.Show(budget.Requests)} requests per {budget.Period}");
            }
        }

        return string.Join(", ", parts);
    }
}
