using Maas.Gateway.Limits;

namespace Maas.Gateway.Usage;

/// <summary>One limit in its current window: the limit, what was used, what is left and when the window ends.</summary>
public sealed class LimitUsage
{
    /// <summary>Gets the limit; 0 means the tier sets none.</summary>
    public required long Limit { get; init; }

    /// <summary>Gets what was counted in the current window, reservations of calls in flight included.</summary>
    public required long Used { get; init; }

    /// <summary>Gets what is left in the current window; 0 when the tier sets no limit.</summary>
    public required long Remaining { get; init; }

    /// <summary>Gets the window's length.</summary>
    public required TimeSpan Window { get; init; }

    /// <summary>Gets how long until the current window ends; the whole window when none is open.</summary>
    public required TimeSpan ResetsIn { get; init; }

    /// <summary>Gets when the current window ends: the instant of reading plus <see cref="ResetsIn"/>.</summary>
    public required DateTimeOffset ResetsAt { get; init; }

    internal static LimitUsage From(LimitState state, DateTimeOffset now) => new()
    {
        Limit = state.Limit,
        Used = state.Used,
        Remaining = state.Limit == 0 ? 0 : state.Remaining,
        Window = state.Window,
        ResetsIn = state.ResetsIn,
        ResetsAt = now + state.ResetsIn,
    };
}
