using Maas.Tiers;

namespace Maas.ApiKeys;

/// <summary>
/// An API key's own limits, counted per key beside its owner's tier (the tighter applies): the
/// same fields a tier's <see cref="TierLimits"/> has, never above the tier's when the key is created.
/// A limit of 0 sets none (the tier's alone applies).
/// </summary>
public sealed class ApiKeyLimits
{
    /// <summary>The most budgets a key carries (one per period).</summary>
    public const int MaxBudgets = 8;

    /// <summary>Gets how many requests the key may make per window of its tier (<see cref="TierLimits.Window"/>); 0 sets none.</summary>
    public int Requests { get; init; }

    /// <summary>Gets how many LLM tokens per minute the key may consume; 0 sets none. At most <see cref="TierBudget.MaxAmount"/>.</summary>
    public long TokensPerMinute { get; init; }

    /// <summary>Gets the key's budgets over long periods, at most one per period, in the shape tiers use; empty for none.</summary>
    public IReadOnlyList<TierBudget> Budgets { get; init; } = [];
}
