namespace Maas.Gateway.Limits;

/// <summary>The limits a tier sets, and what a budget counts.</summary>
internal enum LimitKind
{
    /// <summary>Requests per <see cref="Maas.Tiers.TierLimits.Window"/>; for a budget, requests per period.</summary>
    Requests,

    /// <summary>LLM tokens per minute; for a budget, LLM tokens per period.</summary>
    Tokens,

    /// <summary>One of the tier's budgets over a long period (<see cref="LimitDecision.RefusingBudget"/> names it).</summary>
    Budget,
}
