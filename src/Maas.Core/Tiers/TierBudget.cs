namespace Maas.Tiers;

/// <summary>
/// A tier's allowance over a long period: at most <see cref="Tokens"/> LLM tokens and
/// <see cref="Requests"/> requests per <see cref="Period"/>, counted by the gateway beside the
/// tier's per-window limits. Binds from <c>Maas:Tiers:N:Limits:Budgets:M</c>.
/// </summary>
public sealed class TierBudget
{
    /// <summary>
    /// The largest amount a budget may set (2^50, about 10^15): the most a gateway counter holds, so a
    /// budget is always exact. Larger amounts are refused at start.
    /// </summary>
    public const long MaxAmount = 1L << 50;

    /// <summary>
    /// Gets or sets the period: <c>day</c>, <c>week</c> (from Monday, ISO 8601) or <c>month</c>,
    /// calendar periods in the gateway's time zone, or a Go duration such as <c>12h</c> (see <see cref="BudgetPeriod"/>).
    /// </summary>
    public string Period { get; set; } = "";

    /// <summary>Gets or sets how many LLM tokens the period allows; 0 sets no token budget.</summary>
    public long Tokens { get; set; }

    /// <summary>Gets or sets how many requests the period allows; 0 sets no request budget.</summary>
    public long Requests { get; set; }
}
