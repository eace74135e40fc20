using System.Diagnostics.CodeAnalysis;
using Maas.Durations;

namespace Maas.Tiers;

/// <summary>
/// The period of a <see cref="TierBudget"/>: a calendar <c>day</c>, <c>week</c> or <c>month</c> in
/// a time zone, or a fixed Go duration aligned to the Unix epoch.
/// </summary>
/// <remarks>
/// <para>
/// Calendar periods start at local midnight: a day at midnight, a week at Monday's midnight (ISO
/// 8601), a month at the first's midnight; so a day is 23 or 25 hours long on the days daylight
/// saving time starts or ends, and months differ in length. Where a zone skips midnight, the period
/// starts at the first instant after it; where midnight happens twice, at the first.
/// </para>
/// <para>
/// A duration period (at least a second, at most 366 days) is one of the fixed slices of that
/// length counted from 1970-01-01T00:00:00Z, the same on every replica whatever the time zone:
/// <c>1h</c> runs from each full UTC hour, <c>24h</c> from each UTC midnight (not the zone's; use
/// <c>day</c> for that), <c>168h</c> from Thursday 00:00 UTC, as 1970-01-01 was a Thursday.
/// </para>
/// </remarks>
public readonly record struct BudgetPeriod
{
    /// <summary>The shortest duration period.</summary>
    public static readonly GoDuration MinimumLength = GoDuration.FromTimeSpan(TimeSpan.FromSeconds(1));

    /// <summary>The longest duration period, 366 days.</summary>
    public static readonly GoDuration MaximumLength = GoDuration.FromHours(366 * 24);

    private BudgetPeriod(BudgetPeriodUnit unit, GoDuration length)
    {
        Unit = unit;
        Length = length;
    }

    /// <summary>Gets a calendar day.</summary>
    public static BudgetPeriod Day { get; } = new(BudgetPeriodUnit.Day, default);

    /// <summary>Gets a calendar week, from Monday.</summary>
    public static BudgetPeriod Week { get; } = new(BudgetPeriodUnit.Week, default);

    /// <summary>Gets a calendar month.</summary>
    public static BudgetPeriod Month { get; } = new(BudgetPeriodUnit.Month, default);

    /// <summary>Gets what kind of period this is.</summary>
    public BudgetPeriodUnit Unit { get; }

    /// <summary>Gets the length of a <see cref="BudgetPeriodUnit.Duration"/> period; zero for calendar periods.</summary>
    public GoDuration Length { get; }

    /// <summary>Creates a duration period; throws for a length outside <see cref="MinimumLength"/>..<see cref="MaximumLength"/>.</summary>
    public static BudgetPeriod FromLength(GoDuration length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, MinimumLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaximumLength);
        return new(BudgetPeriodUnit.Duration, length);
    }

    /// <summary>
    /// Parses <c>day</c>, <c>week</c>, <c>month</c> (any case) or a Go duration between
    /// <see cref="MinimumLength"/> and <see cref="MaximumLength"/>; on failure <paramref name="error"/> says why.
    /// </summary>
    public static bool TryParse(string? text, out BudgetPeriod period, [NotNullWhen(false)] out string? error)
    {
        period = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a period is required: day, week, month or a Go duration such as 12h";
            return false;
        }

        if (text.Equals("day", StringComparison.OrdinalIgnoreCase))
        {
            period = Day;
        }
        else if (text.Equals("week", StringComparison.OrdinalIgnoreCase))
        {
            period = Week;
        }
        else if (text.Equals("month", StringComparison.OrdinalIgnoreCase))
        {
            period = Month;
        }
        else if (!GoDuration.TryParse(text, out var length, out var parseError))
        {
            error = $"'{text}' is not day, week, month or a Go duration ({parseError})";
            return false;
        }
        else if (length < MinimumLength || length > MaximumLength)
        {
            error = $"a duration period must lie between {MinimumLength} and {MaximumLength} (got {length})";
            return false;
        }
        else
        {
            period = new(BudgetPeriodUnit.Duration, length);
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Returns the period that contains <paramref name="instant"/>: when it starts and when the next
    /// one does, as UTC instants; calendar periods in <paramref name="timeZone"/>.
    /// </summary>
    public (DateTimeOffset Start, DateTimeOffset End) Containing(DateTimeOffset instant, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var ticks = instant.UtcTicks;
        if (Unit == BudgetPeriodUnit.Duration)
        {
            var length = Math.Max(1, Length.ToTimeSpan().Ticks);
            var sinceEpoch = ticks - DateTime.UnixEpoch.Ticks;
            var (slices, rest) = Math.DivRem(sinceEpoch, length);
            if (rest < 0)
            {
                slices--;
            }

            var start = DateTime.UnixEpoch.Ticks + (slices * length);
            return (new DateTimeOffset(start, TimeSpan.Zero), new DateTimeOffset(Math.Min(start + length, DateTime.MaxValue.Ticks), TimeSpan.Zero));
        }

        var local = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(ticks, DateTimeKind.Utc), timeZone);
        var startLocal = Unit switch
        {
            BudgetPeriodUnit.Day => local.Date,
            BudgetPeriodUnit.Week => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            _ => new DateTime(local.Year, local.Month, 1, 0, 0, 0, DateTimeKind.Unspecified),
        };

        while (true)
        {
            var endLocal = Next(startLocal);
            var startUtc = FirstInstantAtOrAfter(startLocal, timeZone);
            var endUtc = FirstInstantAtOrAfter(endLocal, timeZone);

            // A zone whose clocks go back across midnight can show an earlier date after the next
            // period began: the instant then belongs to the next one.
            if (endUtc <= ticks)
            {
                startLocal = endLocal;
                continue;
            }

            return (new DateTimeOffset(Math.Min(startUtc, ticks), TimeSpan.Zero), new DateTimeOffset(endUtc, TimeSpan.Zero));
        }
    }

    /// <summary>Returns <c>day</c>, <c>week</c>, <c>month</c> or the duration as Go prints it (<c>12h0m0s</c>).</summary>
    public override string ToString() => Unit switch
    {
        BudgetPeriodUnit.Day => "day",
        BudgetPeriodUnit.Week => "week",
        BudgetPeriodUnit.Month => "month",
        _ => Length.ToString(),
    };

    private DateTime Next(DateTime startLocal) => Unit switch
    {
        BudgetPeriodUnit.Day => startLocal.AddDays(1),
        BudgetPeriodUnit.Week => startLocal.AddDays(7),
        _ => startLocal.AddMonths(1),
    };

    // The earliest UTC instant (ticks) whose local time in the zone is at or after local: the local
    // time itself when it happens once, its first occurrence when it happens twice, and the end of
    // the gap when the clocks skip it.
    private static long FirstInstantAtOrAfter(DateTime local, TimeZoneInfo timeZone)
    {
        if (timeZone.IsAmbiguousTime(local))
        {
            var earliest = long.MaxValue;
            foreach (var offset in timeZone.GetAmbiguousTimeOffsets(local))
            {
                earliest = Math.Min(earliest, local.Ticks - offset.Ticks);
            }

            return earliest;
        }

        if (!timeZone.IsInvalidTime(local))
        {
            return local.Ticks - timeZone.GetUtcOffset(local).Ticks;
        }

        // Skipped: the offsets on either side of the gap; the clocks jump forward, so the first
        // instant after the gap is where the earlier offset stops.
        var best = long.MaxValue;
        foreach (var offset in (ReadOnlySpan<TimeSpan>)[timeZone.GetUtcOffset(local.AddDays(-1)), timeZone.GetUtcOffset(local.AddDays(1))])
        {
            var candidate = local.Ticks - offset.Ticks;
            if (candidate < best && TimeZoneInfo.ConvertTimeFromUtc(new DateTime(candidate, DateTimeKind.Utc), timeZone) >= local)
            {
                best = candidate;
            }
        }

        return best == long.MaxValue ? local.Ticks - timeZone.BaseUtcOffset.Ticks : best;
    }
}
