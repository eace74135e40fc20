using System.Collections.Concurrent;

namespace Maas.Gateway.Limits;

/// <summary>
/// Token settlements a replica has not yet sent to Redis, one per partition key: the sum of the
/// corrections (real count minus reservation) made in one token window. <see cref="RedisLimitCounter"/>
/// sends them with the partition's next acquire, or on its flush timer when the partition goes quiet.
/// </summary>
/// <remarks>
/// Corrections of one window add up. A correction for a later window replaces one for an earlier
/// window, and one for an earlier window is dropped: a window only opens after the one before it
/// ended, and a settlement after its window ended changes nothing (<see cref="ILimitCounter.SettleAsync"/>).
/// Taking an entry removes it, so each correction is sent at most once.
/// </remarks>
internal sealed class PendingSettlements
{
    private readonly ConcurrentDictionary<string, PendingSettlement> _entries = new(StringComparer.Ordinal);

    /// <summary>
    /// Adds a correction of <paramref name="delta"/> tokens (within ±<see cref="LimitWindows.MaxCount"/>)
    /// to the window of <paramref name="key"/> that started at <paramref name="windowStartTicks"/>.
    /// Sums saturate at ±<see cref="LimitWindows.MaxCount"/>: a count never leaves 0..MaxCount anyway.
    /// </summary>
    public void Add(string key, long windowStartTicks, long delta) => Add(key, new PendingSettlement(windowStartTicks, Math.Clamp(delta, -LimitWindows.MaxCount, LimitWindows.MaxCount)));

    /// <summary>
    /// Adds a correction of the token window (as <see cref="Add(string, long, long)"/>) and one of
    /// <paramref name="budgetDelta"/> tokens to the token budgets of <paramref name="budgets"/> in
    /// the periods before <paramref name="budgetBoundary"/> (<see cref="LimitBudgets.TokenBoundary"/>).
    /// Each part merges on its own: corrections of the same periods add up, a later boundary replaces
    /// an earlier one (a correction to periods that ended changes nothing), an earlier one is dropped.
    /// </summary>
    public void Add(string key, long windowStartTicks, long delta, LimitBudgets? budgets, long budgetBoundary, long budgetDelta) =>
        Add(key, new PendingSettlement(windowStartTicks, Math.Clamp(delta, -LimitWindows.MaxCount, LimitWindows.MaxCount))
        {
            Budgets = budgets,
            BudgetBoundary = budgetBoundary,
            BudgetDelta = Math.Clamp(budgetDelta, -LimitWindows.MaxCount, LimitWindows.MaxCount),
        });

    private void Add(string key, PendingSettlement added) =>
        _entries.AddOrUpdate(key, static (_, added) => added, static (_, pending, added) => Merge(pending, added), added);

    private static PendingSettlement Merge(PendingSettlement pending, PendingSettlement added)
    {
        var window = pending.WindowStartTicks == added.WindowStartTicks
            ? pending with { Delta = Math.Clamp(pending.Delta + added.Delta, -LimitWindows.MaxCount, LimitWindows.MaxCount) }
            : added.WindowStartTicks > pending.WindowStartTicks ? added : pending;
        if (pending.BudgetDelta == 0 && added.BudgetDelta == 0)
        {
            return window with { Budgets = null, BudgetBoundary = 0, BudgetDelta = 0 };
        }

        var budget = pending.BudgetDelta == 0 ? added
            : added.BudgetDelta == 0 ? pending
            : pending.BudgetBoundary == added.BudgetBoundary && ReferenceEquals(pending.Budgets, added.Budgets)
                ? pending with { BudgetDelta = Math.Clamp(pending.BudgetDelta + added.BudgetDelta, -LimitWindows.MaxCount, LimitWindows.MaxCount) }
                : added.BudgetBoundary >= pending.BudgetBoundary ? added : pending;
        return window with { Budgets = budget.Budgets, BudgetBoundary = budget.BudgetBoundary, BudgetDelta = budget.BudgetDelta };
    }

    /// <summary>Takes the pending correction of <paramref name="key"/>, if any; the caller then sends it.</summary>
    public bool TryTake(string key, out PendingSettlement settlement)
    {
        // The lock-free read first: on the hot path a partition usually has nothing pending.
        if (!_entries.TryGetValue(key, out _))
        {
            settlement = default;
            return false;
        }

        return _entries.TryRemove(key, out settlement);
    }

    /// <summary>Takes every pending correction, for the flush timer and shutdown.</summary>
    public List<(string Key, PendingSettlement Settlement)> TakeAll()
    {
        var taken = new List<(string, PendingSettlement)>();
        foreach (var entry in _entries)
        {
            if (_entries.TryRemove(entry.Key, out var settlement))
            {
                taken.Add((entry.Key, settlement));
            }
        }

        return taken;
    }
}

/// <summary>
/// A correction of <see cref="Delta"/> tokens to the token window that started at <see cref="WindowStartTicks"/> (UTC ticks),
/// and of <see cref="BudgetDelta"/> tokens to the token budgets of <see cref="Budgets"/> in their periods before <see cref="BudgetBoundary"/>.
/// </summary>
internal readonly record struct PendingSettlement(long WindowStartTicks, long Delta)
{
    /// <summary>Gets the budgets the correction applies to; <see langword="null"/> for none.</summary>
    public LimitBudgets? Budgets { get; init; }

    /// <summary>Gets the token budgets' boundary (<see cref="LimitBudgets.TokenBoundary"/>) of the calls corrected.</summary>
    public long BudgetBoundary { get; init; }

    /// <summary>Gets the correction of each token budget.</summary>
    public long BudgetDelta { get; init; }
}
