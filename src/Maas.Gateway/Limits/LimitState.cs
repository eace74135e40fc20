namespace Maas.Gateway.Limits;

/// <summary>One limit's state in its current window, for the <c>RateLimit</c> headers and <c>GET /v1/usage</c>.</summary>
/// <param name="Limit">The limit; 0 means the tier sets none.</param>
/// <param name="Used">What was counted in the current window, reservations included.</param>
/// <param name="Window">The window's length.</param>
/// <param name="ResetsIn">How long until the current window ends; the whole window when none is open.</param>
internal readonly record struct LimitState(long Limit, long Used, TimeSpan Window, TimeSpan ResetsIn)
{
    /// <summary>Gets what is left in the current window, never negative.</summary>
    public long Remaining => Math.Max(0, Limit - Used);
}
