using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Tiers;

namespace Maas.Gateway.Tests.Limits;

/// <summary>Budgets over long periods, the same on every counter: calendar periods in a time zone, settlement, atomicity, saturation.</summary>
public abstract partial class LimitCounterConformanceTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>Creates a counter on <see cref="Time"/> whose calendar budgets follow <paramref name="timeZone"/>.</summary>
    private protected abstract ValueTask<ILimitCounter> CreateCounterAsync(TimeZoneInfo timeZone);

    private static TierLimits Budgets(int requests, long tokensPerMinute, params TierBudget[] budgets)
    {
        var limits = Limits(requests, tokensPerMinute);
        foreach (var budget in budgets)
        {
            limits.Budgets.Add(budget);
        }

        return limits;
    }

    private static BudgetState Budget(LimitDecision decision, string name) => Assert.Single(decision.Budgets, b => b.Rule.Name == name);

    [Fact]
    public async Task Daily_budget_ends_at_midnight_in_the_time_zone_and_the_day_daylight_saving_starts_is_23_hours()
    {
        var counter = await CreateCounterAsync(NewYork);
        var limits = Budgets(0, 0, new TierBudget { Period = "day", Requests = 2 });

        // 2027-03-14 is the day New York moves its clocks forward: midnight EST (05:00Z) to midnight EDT (04:00Z next day).
        Time.SetUtcNow(new DateTimeOffset(2027, 3, 14, 6, 0, 0, TimeSpan.Zero));
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
        var second = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.True(second.Allowed);
        Assert.Equal(new LimitState(2, 2, TimeSpan.FromHours(23), TimeSpan.FromHours(22)), Budget(second, "requests-day").State);

        var refused = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.False(refused.Allowed);
        Assert.False(refused.CountersUnavailable);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal("requests-day", refused.RefusingBudget!.Name);
        Assert.Equal(TimeSpan.FromHours(22), refused.RetryAfter);
        Assert.Null(refused.Reservation);

        Time.SetUtcNow(new DateTimeOffset(2027, 3, 15, 4, 0, 0, TimeSpan.Zero).AddTicks(-1));
        Assert.Equal(TimeSpan.FromTicks(1), (await counter.AcquireAsync(Alice, limits, 0, default)).RetryAfter);

        Time.Advance(TimeSpan.FromTicks(1));
        var nextDay = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.True(nextDay.Allowed);
        Assert.Equal(new LimitState(2, 1, TimeSpan.FromHours(24), TimeSpan.FromHours(24)), Budget(nextDay, "requests-day").State);
        Assert.Equal(1, (await counter.ReadAsync(Alice, limits, default)).Budgets.Single().State.Used);
    }

    [Fact]
    public async Task Weekly_budget_starts_on_monday_and_the_week_daylight_saving_ends_is_one_hour_longer()
    {
        var counter = await CreateCounterAsync(NewYork);
        var limits = Budgets(0, 0, new TierBudget { Period = "week", Requests = 1 });

        // Wednesday 2027-11-03 12:00 EDT; the week runs from Monday 2027-11-01 00:00 EDT (04:00Z) to
        // Monday 2027-11-08 00:00 EST (05:00Z): clocks go back on Sunday the 7th.
        Time.SetUtcNow(new DateTimeOffset(2027, 11, 3, 16, 0, 0, TimeSpan.Zero));
        var first = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.Equal(TimeSpan.FromHours((7 * 24) + 1), Budget(first, "requests-week").State.Window);
        var refused = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.Equal(new DateTimeOffset(2027, 11, 8, 5, 0, 0, TimeSpan.Zero) - Time.GetUtcNow(), refused.RetryAfter);

        Time.SetUtcNow(new DateTimeOffset(2027, 11, 8, 5, 0, 0, TimeSpan.Zero));
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
    }

    [Fact]
    public async Task Monthly_token_budget_takes_the_reservation_settles_the_real_count_and_a_new_month_starts_from_zero()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var limits = Budgets(0, 0, new TierBudget { Period = "month", Tokens = 100 });
        Time.SetUtcNow(new DateTimeOffset(2027, 1, 31, 23, 59, 0, TimeSpan.Zero));
        var first = await counter.AcquireAsync(Alice, limits, 60, default);
        var second = await counter.AcquireAsync(Alice, limits, 60, default);
        Assert.True(first.Allowed && second.Allowed);
        Assert.Equal(new LimitState(100, 120, TimeSpan.FromDays(31), TimeSpan.FromMinutes(1)), Budget(second, "tokens-month").State);

        var refused = await counter.AcquireAsync(Alice, limits, 1, default);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);

        // The first call used 10 of its 60: 70 counted, below 100 again.
        await counter.SettleAsync(first.Reservation!, 10, default);
        Assert.Equal(70, (await counter.ReadAsync(Alice, limits, default)).Budgets.Single().State.Used);
        var third = await counter.AcquireAsync(Alice, limits, 20, default);
        Assert.True(third.Allowed);
        Assert.Equal(90, Budget(third, "tokens-month").State.Used);

        // February: January's reservations settle into nothing, the month counts from zero and is 28 days long.
        Time.SetUtcNow(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero));
        await counter.SettleAsync(second.Reservation!, 1000, default);
        await counter.SettleAsync(third.Reservation!, 0, default);
        var february = await counter.AcquireAsync(Alice, limits, 30, default);
        Assert.True(february.Allowed);
        Assert.Equal(new LimitState(100, 30, TimeSpan.FromDays(28), TimeSpan.FromDays(28)), Budget(february, "tokens-month").State);
        await counter.SettleAsync(february.Reservation!, 45, default);
        Assert.Equal(45, (await counter.ReadAsync(Alice, limits, default)).Budgets.Single().State.Used);
    }

    [Fact]
    public async Task A_call_refused_by_a_budget_counts_against_no_limit_and_one_refused_by_a_limit_against_no_budget()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var budgetFirst = Budgets(10, 1000, new TierBudget { Period = "day", Requests = 2, Tokens = 1000 });
        Assert.True((await counter.AcquireAsync(Alice, budgetFirst, 5, default)).Allowed);
        Assert.True((await counter.AcquireAsync(Alice, budgetFirst, 5, default)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LimitKind.Budget, (await counter.AcquireAsync(Alice, budgetFirst, 5, default)).RefusedBy);
        }

        var afterBudget = await counter.ReadAsync(Alice, budgetFirst, default);
        Assert.Equal(2, afterBudget.Requests.Used);
        Assert.Equal(10, afterBudget.Tokens.Used);
        Assert.Equal([2, 10], afterBudget.Budgets.Select(b => b.State.Used));

        var bob = new LimitPartition("free", "bob", null);
        var limitFirst = Budgets(1, 1000, new TierBudget { Period = "day", Requests = 5, Tokens = 1000 });
        Assert.True((await counter.AcquireAsync(bob, limitFirst, 5, default)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(LimitKind.Requests, (await counter.AcquireAsync(bob, limitFirst, 5, default)).RefusedBy);
        }

        Assert.Equal([1, 5], (await counter.ReadAsync(bob, limitFirst, default)).Budgets.Select(b => b.State.Used));
    }

    [Fact]
    public async Task When_a_limit_and_a_budget_are_both_exhausted_the_one_ending_later_refuses()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var limits = Budgets(1, 0, new TierBudget { Period = "month", Requests = 1 });
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
        var refused = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero) - Time.GetUtcNow(), refused.RetryAfter);
    }

    [Fact]
    public async Task A_duration_budget_is_aligned_to_the_unix_epoch()
    {
        var counter = await CreateCounterAsync(NewYork);
        var limits = Budgets(0, 0, new TierBudget { Period = "1h", Requests = 1 });
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
        var refused = await counter.AcquireAsync(Alice, limits, 0, default);

        // The clock reads 01:02:03.1234567Z: the hour ends at 02:00Z whatever the zone.
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero) - Time.GetUtcNow(), refused.RetryAfter);
        Assert.Equal("requests-1h0m0s", refused.RefusingBudget!.Name);
        Time.SetUtcNow(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero));
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
    }

    [Fact]
    public async Task Budgets_saturate_at_the_largest_count_and_a_settlement_takes_nothing_back_from_a_saturated_one()
    {
        var counter = await CreateCounterAsync(TimeZoneInfo.Utc);
        var limits = Budgets(0, 0, new TierBudget { Period = "month", Tokens = TierBudget.MaxAmount, Requests = TierBudget.MaxAmount });
        var first = await counter.AcquireAsync(Alice, limits, long.MaxValue, default);
        Assert.True(first.Allowed);
        Assert.Equal(LimitWindows.MaxCount, Budget(first, "tokens-month").State.Used);
        await counter.SettleAsync(first.Reservation!, 0, default);
        var reading = await counter.ReadAsync(Alice, limits, default);
        Assert.Equal([1, LimitWindows.MaxCount], reading.Budgets.Select(b => b.State.Used));

        var refused = await counter.AcquireAsync(Alice, limits, long.MaxValue, default);
        Assert.False(refused.CountersUnavailable);
        Assert.Equal(LimitKind.Budget, refused.RefusedBy);
        Assert.Equal("tokens-month", refused.RefusingBudget!.Name);
    }

    [Fact]
    public async Task An_untouched_budget_reads_as_nothing_used_until_the_end_of_the_period()
    {
        var counter = await CreateCounterAsync(NewYork);
        var limits = Budgets(0, 0, new TierBudget { Period = "month", Tokens = 500 });
        var reading = await counter.ReadAsync(Alice, limits, default);

        // 2026-12-01 00:00 EST (05:00Z) to 2027-01-01 00:00 EST.
        var budget = Assert.Single(reading.Budgets);
        Assert.Equal(new LimitState(500, 0, TimeSpan.FromDays(31), new DateTimeOffset(2027, 1, 1, 5, 0, 0, TimeSpan.Zero) - Time.GetUtcNow()), budget.State);
    }
}
