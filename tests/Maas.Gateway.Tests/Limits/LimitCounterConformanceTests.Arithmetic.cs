using Maas.Gateway.Limits;
using Maas.Tiers;

namespace Maas.Gateway.Tests.Limits;

/// <summary>
/// Exact, bounded arithmetic, whatever number a counter is handed: counts saturate at
/// <see cref="LimitWindows.MaxCount"/> and never wrap, never go negative, never fail (on Redis a
/// failed script would be taken for an outage), and stay exact to the token near the bound.
/// </summary>
public abstract partial class LimitCounterConformanceTests
{
    private static readonly TierLimits Unlimited = Limits(0, 0);

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MaxValue - 27)]
    [InlineData((1L << 53) + 1)]
    public async Task A_reservation_beyond_any_bound_saturates_the_count_and_never_wraps_or_fails(long estimate)
    {
        var counter = await CreateCounterAsync();

        var first = await counter.AcquireAsync(Alice, Unlimited, estimate, default);
        var second = await counter.AcquireAsync(Alice, Unlimited, estimate, default);

        Assert.True(first.Allowed);
        Assert.False(first.CountersUnavailable);
        Assert.False(second.CountersUnavailable);
        Assert.Equal(LimitWindows.MaxCount, first.Tokens.Used);
        Assert.Equal(LimitWindows.MaxCount, first.Reservation!.Reserved);
        Assert.Equal(LimitWindows.MaxCount, second.Tokens.Used);
        Assert.Equal(0, second.Reservation!.Reserved);
        Assert.Equal(LimitWindows.MaxCount, (await counter.ReadAsync(Alice, Unlimited, default)).Tokens.Used);
    }

    [Fact]
    public async Task A_hostile_usage_settles_saturated_and_the_count_stays_exact_to_the_token_near_the_bound()
    {
        var counter = await CreateCounterAsync();
        var reservation = (await counter.AcquireAsync(Alice, Unlimited, 10, default)).Reservation!;

        await counter.SettleAsync(reservation, long.MaxValue, default);
        Assert.Equal(LimitWindows.MaxCount, (await counter.ReadAsync(Alice, Unlimited, default)).Tokens.Used);

        // Into the saturated count and back out of it, to the token: no double rounds here.
        var next = (await counter.AcquireAsync(Alice, Unlimited, 5, default)).Reservation!;
        Assert.Equal(0, next.Reserved);
        var third = await counter.AcquireAsync(Alice, Limits(0, LimitWindows.MaxCount), 0, default);
        Assert.False(third.Allowed);
        Assert.Equal(LimitKind.Tokens, third.RefusedBy);

        var fresh = new LimitPartition("free", "bob", null);
        var big = (await counter.AcquireAsync(fresh, Unlimited, LimitWindows.MaxCount - 10, default)).Reservation!;
        var small = (await counter.AcquireAsync(fresh, Unlimited, 7, default)).Reservation!;
        Assert.Equal(7, small.Reserved);
        await counter.SettleAsync(small, 1, default);
        Assert.Equal(LimitWindows.MaxCount - 9, (await counter.ReadAsync(fresh, Unlimited, default)).Tokens.Used);
        await counter.SettleAsync(big, LimitWindows.MaxCount - 11, default);
        Assert.Equal(LimitWindows.MaxCount - 10, (await counter.ReadAsync(fresh, Unlimited, default)).Tokens.Used);
    }

    [Fact]
    public async Task A_hostile_usage_carried_by_a_refused_call_leaves_the_count_saturated_and_not_beyond()
    {
        var counter = await CreateCounterAsync();
        var limits = Limits(0, 100);
        var first = (await counter.AcquireAsync(Alice, limits, 10, default)).Reservation!;
        Assert.True((await counter.AcquireAsync(Alice, limits, 10, default)).Allowed);

        // On Redis the settlement rides on the next acquire, which refuses: nothing else rewrites the count.
        await counter.SettleAsync(first, long.MaxValue, default);
        var refused = await counter.AcquireAsync(Alice, limits, 10, default);

        Assert.False(refused.Allowed);
        Assert.Equal(LimitWindows.MaxCount, refused.Tokens.Used);
        Assert.Equal(LimitWindows.MaxCount, (await counter.ReadAsync(Alice, limits, default)).Tokens.Used);
    }

    [Fact]
    public async Task A_reservation_above_two_to_the_53_saturates_its_window_and_its_settlement_still_applies_exactly()
    {
        var counter = await CreateCounterAsync();
        var reservation = (await counter.AcquireAsync(Alice, Unlimited, 1L << 60, default)).Reservation!;

        // A saturated window stays saturated: settling takes nothing back, and nothing fails.
        await counter.SettleAsync(reservation, 3, default);
        var next = await counter.AcquireAsync(Alice, Unlimited, 4, default);

        Assert.False(next.CountersUnavailable);
        Assert.Equal(LimitWindows.MaxCount, next.Tokens.Used);
        Assert.Equal(LimitWindows.MaxCount, (await counter.ReadAsync(Alice, Unlimited, default)).Tokens.Used);

        // In the next window the count starts over, exact.
        Time.Advance(LimitWindows.TokenWindow);
        var fresh = (await counter.AcquireAsync(Alice, Unlimited, 5, default)).Reservation!;
        await counter.SettleAsync(fresh, 3, default);
        Assert.Equal(3, (await counter.ReadAsync(Alice, Unlimited, default)).Tokens.Used);
    }

    /// <summary>
    /// Thousands of random reservations and settlements, with the numbers a hostile caller or
    /// upstream sends (near long.MaxValue, 2^53, the bound, 0): every count stays within
    /// 0..MaxCount, and once every reservation is settled the count is exactly what the upstream
    /// reported, or saturated (never less than the usage).
    /// </summary>
    [Fact]
    public async Task Random_reservations_and_usages_never_make_a_count_negative_and_never_count_less_than_the_usage()
    {
        const int Seed = 20_2026;
        for (var round = 0; round < RandomRounds; round++)
        {
            var seed = Seed + round;
            try
            {
                await RandomRoundAsync(await CreateCounterAsync(), new Random(seed), seed);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Failed with seed {seed}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Gets how many rounds of 300 operations the random test runs (fewer on a counter with a round trip per call).</summary>
    private protected virtual int RandomRounds => 20;

    private static async Task RandomRoundAsync(ILimitCounter counter, Random random, int seed)
    {
        var partitions = new[] { new LimitPartition("free", "p" + seed, null), new LimitPartition("free", "q" + seed, "m") };
        var open = new List<(int Partition, TokenReservation Reservation)>();
        var reported = new decimal[partitions.Length];
        for (var step = 0; step < 300; step++)
        {
            var which = random.Next(partitions.Length);
            if (open.Count == 0 || random.Next(2) == 0)
            {
                // Mostly what the gateway can reserve (a bounded max_tokens and a 1 MiB body), sometimes anything.
                var estimate = random.Next(10) == 0 ? HostileNumbers.Next(random) : random.NextInt64(0, (1L << 18) + int.MaxValue);
                var decision = await counter.AcquireAsync(partitions[which], Unlimited, estimate, default);
                Assert.True(decision.Allowed);
                Assert.False(decision.CountersUnavailable);
                Assert.InRange(decision.Tokens.Used, 0, LimitWindows.MaxCount);
                Assert.InRange(decision.Reservation!.Reserved, 0, LimitWindows.MaxCount);
                open.Add((which, decision.Reservation));
            }
            else
            {
                var index = random.Next(open.Count);
                var (partition, reservation) = open[index];
                open.RemoveAt(index);
                var actual = HostileNumbers.Next(random);
                await counter.SettleAsync(reservation, actual, default);
                reported[partition] += actual;
            }

            // Not after every step: on Redis a read sends the replica's pending settlement on its
            // own, and the next acquire should often carry it instead.
            if (random.Next(3) == 0)
            {
                var used = (await counter.ReadAsync(partitions[which], Unlimited, default)).Tokens.Used;
                Assert.InRange(used, 0, LimitWindows.MaxCount);
            }
        }

        foreach (var (partition, reservation) in open)
        {
            await counter.SettleAsync(reservation, 0, default);
        }

        for (var i = 0; i < partitions.Length; i++)
        {
            var used = (await counter.ReadAsync(partitions[i], Unlimited, default)).Tokens.Used;
            Assert.True(used == LimitWindows.MaxCount || used == reported[i], $"partition {i}: counted {used}, the upstream reported {reported[i]}");
        }
    }
}
