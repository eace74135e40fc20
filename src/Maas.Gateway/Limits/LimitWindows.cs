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
    /// <summary>The token limit's window: tiers set LLM tokens per minute.</summary>
    public static readonly TimeSpan TokenWindow = TimeSpan.FromMinutes(1);

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
}
