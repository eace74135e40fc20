namespace Maas.Gateway.Limits;

/// <summary>
/// LLM tokens reserved before a call is forwarded; settled exactly once with the real count
/// (<see cref="ILimitCounter.SettleAsync"/>), whatever happens to the call.
/// </summary>
/// <remarks>
/// A class rather than a record: it carries whether it was settled, so a second
/// <see cref="ILimitCounter.SettleAsync"/> of the same reservation (a retry, a disconnect racing the
/// normal end) is a no-op on every counter, without asking the store.
/// </remarks>
/// <param name="partition">The budget the tokens were reserved on.</param>
/// <param name="reserved">How many tokens were reserved: the estimate, less what saturation at <see cref="LimitWindows.MaxCount"/> cut off.</param>
/// <param name="windowStart">When the window the reservation was counted in started, so a settlement after it ended changes nothing.</param>
internal sealed class TokenReservation(LimitPartition partition, long reserved, DateTimeOffset windowStart)
{
    private int _settled;

    /// <summary>Gets the budget the tokens were reserved on.</summary>
    public LimitPartition Partition { get; } = partition;

    /// <summary>Gets how many tokens were reserved (added to the count), at most <see cref="LimitWindows.MaxCount"/>.</summary>
    public long Reserved { get; } = reserved;

    /// <summary>Gets when the window the reservation was counted in started.</summary>
    public DateTimeOffset WindowStart { get; } = windowStart;

    /// <summary>Gets the budgets the reservation was also counted against; <see langword="null"/> when none counts tokens.</summary>
    public LimitBudgets? Budgets { get; init; }

    /// <summary>
    /// Gets the token budgets' boundary when the call was counted (<see cref="LimitBudgets.TokenBoundary"/>):
    /// a settlement corrects the periods holding the tick before it, and none after they ended.
    /// </summary>
    public long BudgetBoundary { get; init; }

    /// <summary>Gets what each token budget counted for the call: the saturated estimate (a budget that saturated stays so).</summary>
    public long BudgetReserved { get; init; }

    /// <summary>Gets whether the reservation was settled.</summary>
    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Marks the reservation settled; <see langword="true"/> only for the first caller, who then applies the settlement.</summary>
    internal bool TryMarkSettled() => Interlocked.Exchange(ref _settled, 1) == 0;
}
