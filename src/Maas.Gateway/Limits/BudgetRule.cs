using System.Globalization;
using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// One budget a call is counted against: requests or LLM tokens per period, the period aligned to
/// the calendar (or the epoch) rather than opened by a call, so every replica and both counters
/// agree on when it starts and ends. Immutable but for a cache of the current period's bounds.
/// </summary>
internal sealed class BudgetRule
{
    private readonly TimeZoneInfo _timeZone;
    private PeriodBounds _current = new(0, 0);

    public BudgetRule(LimitKind counts, BudgetPeriod period, long limit, string tierName, TimeZoneInfo timeZone)
        : this(counts, period, limit, tierName, timeZone, keyId: null, window: false)
    {
    }

    /// <summary>
    /// Creates a rule of the tier <paramref name="tierName"/>, or, with <paramref name="keyId"/>, one of
    /// that API key's own limits: counted in fields of its own (<c>k:&lt;key id&gt;:b:key-tokens-month</c>),
    /// named <c>key-…</c>, and described as the key's (a <paramref name="window"/> rule is one of the
    /// key's two window limits, counted as a period of the window's length).
    /// </summary>
    public BudgetRule(LimitKind counts, BudgetPeriod period, long limit, string tierName, TimeZoneInfo timeZone, string? keyId, bool window)
    {
        ArgumentOutOfRangeException.ThrowIfEqual((int)counts, (int)LimitKind.Budget);
        Counts = counts;
        Period = period;
        Limit = Math.Clamp(limit, 0, LimitWindows.MaxCount);
        _timeZone = timeZone;
        KeyId = keyId;
        var what = counts == LimitKind.Tokens ? "tokens" : "requests";
        Name = keyId is null ? string.Concat(what, "-", period.ToString()) : string.Concat("key-", what, "-", period.ToString());
        Field = keyId is null ? string.Concat("b:", Name) : string.Concat("k:", keyId, ":b:", Name);
        CountField = string.Concat(Field, ":c");
        var adjective = period.Unit switch
        {
            BudgetPeriodUnit.Day => "Daily",
            BudgetPeriodUnit.Week => "Weekly",
            BudgetPeriodUnit.Month => "Monthly",
            _ => string.Concat("Per-", period.ToString()),
        };
        var noun = counts == LimitKind.Tokens ? "token" : "request";
        Description = keyId is null
            ? string.Create(CultureInfo.InvariantCulture, $"{adjective} {noun} budget of tier '{tierName}'")
            : window
            ? string.Create(CultureInfo.InvariantCulture, $"{(counts == LimitKind.Tokens ? "Token" : "Request")} limit of key '{keyId}'")
            : string.Create(CultureInfo.InvariantCulture, $"{adjective} {noun} budget of key '{keyId}'");
    }

    /// <summary>Gets the API key whose own limit this is; <see langword="null"/> for a tier's budget.</summary>
    public string? KeyId { get; }

    /// <summary>Gets what the budget counts: <see cref="LimitKind.Requests"/> (one a call) or <see cref="LimitKind.Tokens"/> (the reservation, then the real count).</summary>
    public LimitKind Counts { get; }

    /// <summary>Gets the budget's period.</summary>
    public BudgetPeriod Period { get; }

    /// <summary>Gets how much the period allows, within 1..<see cref="LimitWindows.MaxCount"/>.</summary>
    public long Limit { get; }

    /// <summary>Gets the name the headers and <c>GET /v1/usage</c> show: <c>tokens-month</c>, <c>requests-day</c>, <c>tokens-12h0m0s</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the Redis hash field holding the start of the counted period (the count is <see cref="CountField"/>).</summary>
    public string Field { get; }

    /// <summary>Gets the Redis hash field holding the period's count.</summary>
    public string CountField { get; }

    /// <summary>Gets the budget in words for a refusal: <c>Monthly token budget of tier 'free'</c>.</summary>
    public string Description { get; }

    /// <summary>Returns the period holding <paramref name="nowTicks"/> (UTC ticks): its start and the next one's.</summary>
    public PeriodBounds Bounds(long nowTicks)
    {
        var current = Volatile.Read(ref _current);
        if (nowTicks >= current.Start && nowTicks < current.End)
        {
            return current;
        }

        var (start, end) = Period.Containing(new DateTimeOffset(nowTicks, TimeSpan.Zero), _timeZone);
        var bounds = new PeriodBounds(start.UtcTicks, end.UtcTicks);

        // Only a later period replaces the cache: a reading of an earlier instant (a settlement) leaves it.
        if (bounds.Start >= current.Start)
        {
            Volatile.Write(ref _current, bounds);
        }

        return bounds;
    }

    /// <summary>The state of the budget given what its current period counted.</summary>
    public LimitState State(PeriodBounds bounds, long used, long nowTicks) =>
        new(Limit, used, TimeSpan.FromTicks(bounds.End - bounds.Start), TimeSpan.FromTicks(Math.Max(0, bounds.End - nowTicks)));
}

/// <summary>A period, as UTC ticks: <see cref="Start"/> inclusive, <see cref="End"/> exclusive.</summary>
internal sealed record PeriodBounds(long Start, long End);
