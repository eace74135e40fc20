using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Tiers;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Gateway.Tests.Limits;

/// <summary>
/// What every <see cref="ILimitCounter"/> must do, on a fake clock: the exact window boundaries,
/// atomicity over both limits, bursts, settlement. Each counter's test class derives from this one.
/// </summary>
public abstract partial class LimitCounterConformanceTests
{
    private static readonly TimeSpan RequestWindow = TimeSpan.FromMinutes(2);

    /// <summary>Gets the fake clock every counter of the test reads; it starts off a whole second on purpose.</summary>
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 1, 2, 3, TimeSpan.Zero).AddTicks(1_234_567));

    private static LimitPartition Alice { get; } = new("free", "alice", null);

    /// <summary>Creates a counter on <see cref="Time"/> with its own, empty budget.</summary>
    private protected abstract ValueTask<ILimitCounter> CreateCounterAsync();

    private static TierLimits Limits(int requests, long tokensPerMinute) =>
        new() { Requests = requests, Window = GoDuration.FromTimeSpan(RequestWindow), TokensPerMinute = tokensPerMinute };

    [Fact]
    public async Task Fifth_request_of_five_passes_and_sixth_is_refused_until_the_window_ends()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(5, 0);
        for (var i = 1; i <= 5; i++)
        {
            var allowed = await counter.AcquireAsync(Alice, limits, 0, default);
            Assert.True(allowed.Allowed, $"request {i}");
            Assert.Equal(i, allowed.Requests.Used);
            Assert.Equal(5 - i, allowed.Requests.Remaining);
            Assert.Equal(RequestWindow, allowed.Requests.ResetsIn);
        }

        var sixth = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.False(sixth.Allowed);
        Assert.False(sixth.CountersUnavailable);
        Assert.Equal(LimitKind.Requests, sixth.RefusedBy);
        Assert.Equal(RequestWindow, sixth.RetryAfter);
        Assert.Equal(new LimitState(5, 5, RequestWindow, RequestWindow), sixth.Requests);
        Assert.Null(sixth.Reservation);

        Time.Advance(RequestWindow - TimeSpan.FromTicks(1));
        var lastTick = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.False(lastTick.Allowed);
        Assert.Equal(TimeSpan.FromTicks(1), lastTick.RetryAfter);
        Assert.Equal(TimeSpan.FromTicks(1), lastTick.Requests.ResetsIn);

        Time.Advance(TimeSpan.FromTicks(1));
        var nextWindow = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.True(nextWindow.Allowed);
        Assert.Equal(new LimitState(5, 1, RequestWindow, RequestWindow), nextWindow.Requests);
    }

    [Fact]
    public async Task Window_opens_at_the_first_counted_call_and_retry_after_is_what_is_left_of_it()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(2, 0);
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
        Time.Advance(TimeSpan.FromSeconds(30));
        var second = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.True(second.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(90), second.Requests.ResetsIn);

        Time.Advance(TimeSpan.FromMilliseconds(12.5));
        var refused = await counter.AcquireAsync(Alice, limits, 0, default);
        Assert.Equal(LimitKind.Requests, refused.RefusedBy);
        Assert.Equal(TimeSpan.FromSeconds(90) - TimeSpan.FromMilliseconds(12.5), refused.RetryAfter);
    }

    [Fact]
    public async Task Tokens_are_admitted_while_below_the_limit_and_refused_until_the_minute_ends()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 100);
        var first = await counter.AcquireAsync(Alice, limits, 60, default);
        Assert.True(first.Allowed);
        Assert.Equal(new LimitState(100, 60, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), first.Tokens);
        Assert.NotNull(first.Reservation);
        Assert.Equal(60, first.Reservation.Reserved);
        Assert.Equal(Alice, first.Reservation.Partition);
        Assert.Equal(Time.GetUtcNow(), first.Reservation.WindowStart);

        // 60 < 100: admitted, overshooting by this one reservation.
        Time.Advance(TimeSpan.FromSeconds(10));
        var second = await counter.AcquireAsync(Alice, limits, 60, default);
        Assert.True(second.Allowed);
        Assert.Equal(120, second.Tokens.Used);
        Assert.Equal(0, second.Tokens.Remaining);
        Assert.Equal(first.Reservation.WindowStart, second.Reservation!.WindowStart);

        var third = await counter.AcquireAsync(Alice, limits, 1, default);
        Assert.False(third.Allowed);
        Assert.Equal(LimitKind.Tokens, third.RefusedBy);
        Assert.Equal(TimeSpan.FromSeconds(50), third.RetryAfter);

        Time.Advance(TimeSpan.FromSeconds(50) - TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromTicks(1), (await counter.AcquireAsync(Alice, limits, 1, default)).RetryAfter);

        Time.Advance(TimeSpan.FromTicks(1));
        var nextMinute = await counter.AcquireAsync(Alice, limits, 7, default);
        Assert.True(nextMinute.Allowed);
        Assert.Equal(new LimitState(100, 7, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), nextMinute.Tokens);
        Assert.Equal(Time.GetUtcNow(), nextMinute.Reservation!.WindowStart);
    }

    [Fact]
    public async Task A_call_refused_by_the_token_limit_counts_no_request()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(3, 100);
        Assert.True((await counter.AcquireAsync(Alice, limits, 100, default)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            var refused = await counter.AcquireAsync(Alice, limits, 10, default);
            Assert.Equal(LimitKind.Tokens, refused.RefusedBy);
            Assert.Equal(1, refused.Requests.Used);
            Assert.Equal(100, refused.Tokens.Used);
        }

        var (requests, tokens) = await counter.ReadAsync(Alice, limits, default);
        Assert.Equal(1, requests.Used);
        Assert.Equal(100, tokens.Used);
    }

    [Fact]
    public async Task A_call_refused_by_the_request_limit_reserves_no_tokens()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(1, 1000);
        Assert.True((await counter.AcquireAsync(Alice, limits, 10, default)).Allowed);
        for (var i = 0; i < 5; i++)
        {
            var refused = await counter.AcquireAsync(Alice, limits, 50, default);
            Assert.Equal(LimitKind.Requests, refused.RefusedBy);
            Assert.Equal(10, refused.Tokens.Used);
        }

        Assert.Equal(10, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
    }

    [Fact]
    public async Task When_both_limits_are_exhausted_the_later_one_refuses_so_retry_after_lets_the_retry_pass()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(1, 10);
        Assert.True((await counter.AcquireAsync(Alice, limits, 10, default)).Allowed);

        var refused = await counter.AcquireAsync(Alice, limits, 1, default);
        Assert.Equal(LimitKind.Requests, refused.RefusedBy);
        Assert.Equal(RequestWindow, refused.RetryAfter);

        // The token window ends first; the request window still refuses.
        Time.Advance(TimeSpan.FromMinutes(1));
        refused = await counter.AcquireAsync(Alice, limits, 1, default);
        Assert.Equal(LimitKind.Requests, refused.RefusedBy);
        Assert.Equal(TimeSpan.FromMinutes(1), refused.RetryAfter);
        Assert.Equal(0, refused.Tokens.Used);
    }

    [Fact]
    public async Task A_limit_of_zero_is_not_enforced()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 0);
        for (var i = 0; i < 50; i++)
        {
            var decision = await counter.AcquireAsync(Alice, limits, 1_000_000, default);
            Assert.True(decision.Allowed);
            Assert.Equal(0, decision.Requests.Limit);
            Assert.Equal(0, decision.Tokens.Limit);
        }
    }

    [Fact]
    public async Task A_parallel_burst_never_exceeds_the_request_limit()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(50, 0);
        var decisions = await BurstAsync(counter, limits, 200, 5);
        Assert.Equal(50, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(LimitKind.Requests, d.RefusedBy));
        Assert.Equal(50, (await counter.ReadAsync(Alice, limits, default)).Requests.Used);
    }

    [Fact]
    public async Task A_parallel_burst_overshoots_the_token_limit_by_at_most_one_reservation()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 1000);
        const int Estimate = 30;
        var decisions = await BurstAsync(counter, limits, 200, Estimate);

        // Admitted while below 1000: 34 × 30 = 1020, one reservation over.
        Assert.Equal(34, decisions.Count(d => d.Allowed));
        Assert.All(decisions.Where(d => !d.Allowed), d => Assert.Equal(LimitKind.Tokens, d.RefusedBy));
        var used = (await counter.ReadAsync(Alice, limits, default)).Tokens.Used;
        Assert.Equal(1020, used);
        Assert.True(used < limits.TokensPerMinute + Estimate);
        Assert.Equal(34, (await counter.ReadAsync(Alice, limits, default)).Requests.Used);
    }

    [Fact]
    public async Task Settling_replaces_the_reservation_with_the_real_count_up_or_down()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 1000);
        var up = (await counter.AcquireAsync(Alice, limits, 50, default)).Reservation!;
        var down = (await counter.AcquireAsync(Alice, limits, 50, default)).Reservation!;
        Assert.Equal(100, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);

        await counter.SettleAsync(up, 80, default);
        Assert.Equal(130, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
        await counter.SettleAsync(down, 5, default);
        Assert.Equal(85, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
        Assert.True(up.IsSettled);

        var exact = (await counter.AcquireAsync(Alice, limits, 15, default)).Reservation!;
        await counter.SettleAsync(exact, 15, default);
        Assert.True(exact.IsSettled);
        Assert.Equal(100, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
    }

    [Fact]
    public async Task A_settlement_that_pushes_usage_over_the_limit_refuses_the_next_call()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 100);
        var reservation = (await counter.AcquireAsync(Alice, limits, 10, default)).Reservation!;
        await counter.SettleAsync(reservation, 150, default);
        var refused = await counter.AcquireAsync(Alice, limits, 10, default);
        Assert.Equal(LimitKind.Tokens, refused.RefusedBy);
        Assert.Equal(150, refused.Tokens.Used);
    }

    [Fact]
    public async Task Settling_after_the_reservations_window_ended_changes_nothing()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 1000);
        var old = (await counter.AcquireAsync(Alice, limits, 50, default)).Reservation!;

        Time.Advance(TimeSpan.FromMinutes(1));
        await counter.SettleAsync(old, 500, default);
        Assert.Equal(0, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);

        var old2 = (await counter.AcquireAsync(Alice, limits, 50, default)).Reservation!;
        Time.Advance(TimeSpan.FromMinutes(1));
        var current = (await counter.AcquireAsync(Alice, limits, 20, default)).Reservation!;
        await counter.SettleAsync(old2, 900, default);
        Assert.Equal(20, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
        await counter.SettleAsync(current, 25, default);
        Assert.Equal(25, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
    }

    [Fact]
    public async Task A_reservation_settles_once_even_when_settled_twice_at_the_same_time()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 1000);
        var reservation = (await counter.AcquireAsync(Alice, limits, 50, default)).Reservation!;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () => await counter.SettleAsync(reservation, 70, default))));
        await counter.SettleAsync(reservation, 1, default);
        Assert.Equal(70, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
    }

    [Fact]
    public async Task Reading_counts_nothing_and_shows_what_is_used_and_when_it_resets()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(5, 100);
        var fresh = await counter.ReadAsync(Alice, limits, default);
        Assert.Equal(new LimitState(5, 0, RequestWindow, RequestWindow), fresh.Requests);
        Assert.Equal(new LimitState(100, 0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), fresh.Tokens);

        await counter.AcquireAsync(Alice, limits, 30, default);
        await counter.AcquireAsync(Alice, limits, 30, default);
        Time.Advance(TimeSpan.FromSeconds(45));
        for (var i = 0; i < 3; i++)
        {
            var (requests, tokens) = await counter.ReadAsync(Alice, limits, default);
            Assert.Equal(new LimitState(5, 2, RequestWindow, TimeSpan.FromSeconds(75)), requests);
            Assert.Equal(new LimitState(100, 60, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(15)), tokens);
        }

        Time.Advance(TimeSpan.FromSeconds(15));
        var (_, afterMinute) = await counter.ReadAsync(Alice, limits, default);
        Assert.Equal(new LimitState(100, 0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)), afterMinute);
    }

    [Fact]
    public async Task Each_model_has_its_own_budget_when_partitions_include_the_model()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(2, 0);
        var perModel = new GatewayLimitOptions { PerModel = true };
        var m1 = LimitPartition.For("free", "alice", "model-1", perModel);
        var m2 = LimitPartition.For("free", "alice", "model-2", perModel);
        for (var i = 0; i < 2; i++)
        {
            Assert.True((await counter.AcquireAsync(m1, limits, 0, default)).Allowed);
        }

        Assert.False((await counter.AcquireAsync(m1, limits, 0, default)).Allowed);
        Assert.True((await counter.AcquireAsync(m2, limits, 0, default)).Allowed);
        Assert.True((await counter.AcquireAsync(Alice, limits, 0, default)).Allowed);
        Assert.Equal(1, (await counter.ReadAsync(m2, limits, default)).Requests.Used);
    }

    [Fact]
    public async Task Without_per_model_partitions_every_model_draws_on_one_budget()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(2, 0);
        var shared = new GatewayLimitOptions();
        Assert.True((await counter.AcquireAsync(LimitPartition.For("free", "alice", "model-1", shared), limits, 0, default)).Allowed);
        Assert.True((await counter.AcquireAsync(LimitPartition.For("free", "alice", "model-2", shared), limits, 0, default)).Allowed);
        Assert.False((await counter.AcquireAsync(LimitPartition.For("free", "alice", "model-3", shared), limits, 0, default)).Allowed);
    }

    [Fact]
    public async Task Users_and_tiers_have_independent_budgets()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(1, 0);
        // Names chosen so that naive concatenation would collide.
        LimitPartition[] partitions =
        [
            Alice,
            new("free", "bob", null),
            new("premium", "alice", null),
            new("free:alice", "x", null),
            new("free", "alice:x", null),
            new("free", "alice", "x"),
            new("free", "ALICE", null),
        ];
        foreach (var partition in partitions)
        {
            Assert.True((await counter.AcquireAsync(partition, limits, 0, default)).Allowed, partition.ToString());
        }

        foreach (var partition in partitions)
        {
            Assert.False((await counter.AcquireAsync(partition, limits, 0, default)).Allowed, partition.ToString());
        }
    }

    private static async Task<LimitDecision[]> BurstAsync(ILimitCounter counter, TierLimits limits, int calls, long estimate)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, calls)
            .Select(_ => Task.Run(async () =>
            {
                await start.Task;
                return await counter.AcquireAsync(Alice, limits, estimate, default);
            }))
            .ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }
}
