using Maas.Gateway.Usage;
using Maas.Tiers;

namespace Maas.SelfService.Pages;

/// <summary>
/// One limit as the usage screen lists it: what it allows and per what, what was used and what is left now,
/// and when that changes. The screen lists whatever <see cref="Of(UsageReport)"/> gives, so a limit the report
/// gains (a budget per day, week or month) is one more line here and no change to the screen.
/// </summary>
internal sealed record LimitLine
{
    /// <summary>Gets what is limited: "Requests", "LLM tokens".</summary>
    public required string Name { get; init; }

    /// <summary>Gets the model the limit counts, when limits are counted per model.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the limit; 0 when there is none.</summary>
    public required long Limit { get; init; }

    /// <summary>Gets the period the limit is per, for example "2 minutes" or "minute".</summary>
    public required string Per { get; init; }

    /// <summary>Gets what was used in the current period, or <see langword="null"/> when it is not counted in this host.</summary>
    public long? Used { get; init; }

    /// <summary>Gets what is left in the current period (when counted and limited).</summary>
    public long Remaining { get; init; }

    /// <summary>Gets when the current period ends (when counted).</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    /// <summary>The limits of a report read from the gateway's counters.</summary>
    public static IEnumerable<LimitLine> Of(UsageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        yield return Counted("Requests", report.Model, report.Requests, Display.Show(report.Requests.Window));
        yield return Counted("LLM tokens", report.Model, report.Tokens, "minute");
        foreach (var budget in report.Budgets)
        {
            yield return new LimitLine
            {
                Name = BudgetName(budget.Counts),
                Model = report.Model,
                Limit = budget.Limit,
                Per = budget.Period,
                Used = budget.Used,
                Remaining = budget.Remaining,
                ResetsAt = budget.ResetsAt,
            };
        }
    }

    /// <summary>The limits of a tier, when the gateway does not run in this host (so nothing is counted here).</summary>
    public static IEnumerable<LimitLine> Of(Tier tier)
    {
        ArgumentNullException.ThrowIfNull(tier);
        yield return new LimitLine { Name = "Requests", Limit = tier.Limits.Requests, Per = Display.Show(tier.Limits.Window.ToTimeSpan()) };
        yield return new LimitLine { Name = "LLM tokens", Limit = tier.Limits.TokensPerMinute, Per = "minute" };
        foreach (var budget in tier.Limits.Budgets)
        {
            if (budget.Requests > 0)
            {
                yield return new LimitLine { Name = BudgetName("requests"), Limit = budget.Requests, Per = budget.Period };
            }

            if (budget.Tokens > 0)
            {
                yield return new LimitLine { Name = BudgetName("tokens"), Limit = budget.Tokens, Per = budget.Period };
            }
        }
    }

    /// <summary>Names a budget line by what it counts: "Requests (budget)", "LLM tokens (budget)".</summary>
    private static string BudgetName(string counts) => counts == "requests" ? "Requests (budget)" : "LLM tokens (budget)";

    private static LimitLine Counted(string name, string? model, LimitUsage usage, string per) => new()
    {
        Name = name,
        Model = model,
        Limit = usage.Limit,
        Per = per,
        Used = usage.Used,
        Remaining = usage.Remaining,
        ResetsAt = usage.ResetsAt,
    };
}
