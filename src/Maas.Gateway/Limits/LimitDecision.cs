namespace Maas.Gateway.Limits;

/// <summary>What the counters answered for one call: allowed or which limit refused it, and every limit's state after it.</summary>
internal sealed class LimitDecision
{
    /// <summary>Gets whether the call may be forwarded.</summary>
    public required bool Allowed { get; init; }

    /// <summary>Gets the limit that refused the call; <see langword="null"/> when allowed or when the counters were unavailable.</summary>
    public LimitKind? RefusedBy { get; init; }

    /// <summary>Gets the budget that refused the call when <see cref="RefusedBy"/> is <see cref="LimitKind.Budget"/>.</summary>
    public BudgetRule? RefusingBudget { get; init; }

    /// <summary>Gets how long the caller should wait before trying again, when refused.</summary>
    public TimeSpan RetryAfter { get; init; }

    /// <summary>Gets whether the counters could not be reached; the decision then follows the configured failure mode.</summary>
    public bool CountersUnavailable { get; init; }

    /// <summary>Gets the request limit's state after this call.</summary>
    public required LimitState Requests { get; init; }

    /// <summary>Gets the token limit's state after this call.</summary>
    public required LimitState Tokens { get; init; }

    /// <summary>Gets each budget's state after this call, in the order of the tier's rules; empty when it sets none.</summary>
    public BudgetState[] Budgets { get; init; } = [];

    /// <summary>Gets the tokens reserved for this call, to settle once its real count is known; <see langword="null"/> when nothing was reserved.</summary>
    public TokenReservation? Reservation { get; init; }
}
