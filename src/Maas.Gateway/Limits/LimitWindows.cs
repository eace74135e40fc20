using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// The fixed-window rules both counters follow. Each limit of a partition has its own window that
/// opens at the first call counted after the previous one ended (not on a clock boundary), lasts
/// the limit's length, and counts from zero: the algorithm of Kuadrant's Limitador, so the same
/// tiers give the same answers whichever of the two enforces them.
/// </summary>
internal static class LimitWindows
{
    /// <summary>
    /// The most a count holds (2^50, about 10^15): every count saturates here, and every token
    /// count or correction a counter is handed is clamped to it first. Far above any real limit,
    /// and far below 2^53, where the Redis scripts' Lua numbers (doubles) stop being exact: a count
    /// plus a correction is at most 2^51, exact as a long and as a double. A count that reaches it
    /// stays there until its window ends (a settlement takes nothing back from it), so saturation
    /// never counts less than was used: a window counts, exactly, every reservation not yet settled
    /// plus the real usage of those settled, or it is saturated. A tier whose token limit is above
    /// it is, in effect, unlimited.
    /// </summary>
    public const long MaxCount = 1L << 50;

    /// <summary>The token limit's window: tiers set LLM tokens per minute.</summary>
    public static readonly TimeSpan TokenWindow = TimeSpan.FromMinutes(1);

    /// <summary>Returns <paramref name="tokens"/> saturated to 0..<see cref="MaxCount"/>.</summary>
    public static long Saturate(long tokens) => Math.Clamp(tokens, 0, MaxCount);

    /// <summary>
    /// Returns a token count of <paramref name="used"/> once a reservation of <paramref name="reserved"/>
    /// is settled with <paramref name="actual"/>, as both counters settle (in the same open window):
    /// exact within 0..<see cref="MaxCount"/>, and a saturated count stays saturated.
    /// </summary>
    public static long Settled(long used, long reserved, long actual) =>
        used >= MaxCount ? MaxCount : Saturate(Saturate(used) + Saturate(actual) - Saturate(reserved));

    /// <summary>Returns the request limit's window, the tier's <see cref="TierLimits.Window"/>.</summary>
    public static TimeSpan RequestWindow(TierLimits limits) => limits.Window.ToTimeSpan();

    /// <summary>Returns a limit's state when no window is open: nothing used, a whole window ahead.</summary>
    public static LimitState Untouched(long limit, TimeSpan window) => new(limit, 0, window, window);

    /// <summary>
    /// Picks the limit that refuses a call when both are exhausted: the one whose window ends
    /// later, so <see cref="LimitDecision.RetryAfter"/> is when a retry can pass.
    /// </summary>
    public static LimitKind RefusingLimit(bool requestsExhausted, bool tokensExhausted, LimitState requests, LimitState tokens) =>
        requestsExhausted && (!tokensExhausted || requests.ResetsIn >= tokens.ResetsIn) ? LimitKind.Requests : LimitKind.Tokens;

    /// <summary>Builds the decision for a refused call.</summary>
    public static LimitDecision Refused(LimitKind refusedBy, LimitState requests, LimitState tokens) => new()
    {
        Allowed = false,
        RefusedBy = refusedBy,
        RetryAfter = refusedBy == LimitKind.Requests ? requests.ResetsIn : tokens.ResetsIn,
        Requests = requests,
        Tokens = tokens,
    };

    /// <summary>
    /// Builds the decision for a call refused by the limits or budgets that are exhausted: the one
    /// whose window or period ends last refuses it, so <see cref="LimitDecision.RetryAfter"/> is
    /// when a retry can pass (the per-window limits win a tie, as before budgets).
    /// </summary>
    public static LimitDecision Refused(bool requestsExhausted, bool tokensExhausted, LimitState requests, LimitState tokens, BudgetState[] budgets)
    {
        BudgetRule? refusingBudget = null;
        var latest = TimeSpan.MinValue;
        if (requestsExhausted || tokensExhausted)
        {
            latest = RefusingLimit(requestsExhausted, tokensExhausted, requests, tokens) == LimitKind.Requests ? requests.ResetsIn : tokens.ResetsIn;
        }

        foreach (var budget in budgets)
        {
            if (Exhausted(budget.State) && budget.State.ResetsIn > latest)
            {
                latest = budget.State.ResetsIn;
                refusingBudget = budget.Rule;
            }
        }

        if (refusingBudget is null)
        {
            var decision = Refused(RefusingLimit(requestsExhausted, tokensExhausted, requests, tokens), requests, tokens);
            return budgets.Length == 0 ? decision : new LimitDecision
            {
                Allowed = false,
                RefusedBy = decision.RefusedBy,
                RetryAfter = decision.RetryAfter,
                Requests = requests,
                Tokens = tokens,
                Budgets = budgets,
            };
        }

        return new LimitDecision
        {
            Allowed = false,
            RefusedBy = LimitKind.Budget,
            RefusingBudget = refusingBudget,
            RetryAfter = latest,
            Requests = requests,
            Tokens = tokens,
            Budgets = budgets,
        };
    }

    /// <summary>Whether a limit admits no more calls: one is set and what was counted reached it.</summary>
    public static bool Exhausted(LimitState state) => state.Limit > 0 && state.Used >= state.Limit;
}
