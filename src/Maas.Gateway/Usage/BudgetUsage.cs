using Maas.Gateway.Limits;

namespace Maas.Gateway.Usage;

/// <summary>One of the tier's budgets in its current period: the budget, what was used, what is left and when the period ends.</summary>
public sealed class BudgetUsage
{
    /// <summary>Gets the budget's name, what it counts and its period: <c>tokens-month</c>, <c>requests-day</c>, <c>tokens-12h0m0s</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets what the budget counts: <c>tokens</c> (LLM tokens) or <c>requests</c>.</summary>
    public required string Counts { get; init; }

    /// <summary>Gets the period: <c>day</c>, <c>week</c>, <c>month</c> or a Go duration (<c>12h0m0s</c>).</summary>
    public required string Period { get; init; }

    /// <summary>Gets how much the period allows.</summary>
    public required long Limit { get; init; }

    /// <summary>Gets what was counted in the current period, reservations of calls in flight included.</summary>
    public required long Used { get; init; }

    /// <summary>Gets what is left in the current period, never negative.</summary>
    public required long Remaining { get; init; }

    /// <summary>Gets when the current period started.</summary>
    public required DateTimeOffset PeriodStart { get; init; }

    /// <summary>Gets how long until the current period ends.</summary>
    public required TimeSpan ResetsIn { get; init; }

    /// <summary>Gets when the current period ends (the next one starts).</summary>
    public required DateTimeOffset ResetsAt { get; init; }

    internal static BudgetUsage From(BudgetState budget, DateTimeOffset now)
    {
        var (rule, state) = budget;
        var resetsAt = now + state.ResetsIn;
        return new()
        {
            Name = rule.Name,
            Counts = rule.Counts == LimitKind.Tokens ? "tokens" : "requests",
            Period = rule.Period.ToString(),
            Limit = state.Limit,
            Used = state.Used,
            Remaining = state.Remaining,
            PeriodStart = resetsAt - state.Window,
            ResetsIn = state.ResetsIn,
            ResetsAt = resetsAt,
        };
    }
}
