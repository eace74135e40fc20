using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Maas.Gateway.Tests.Limits;

/// <summary>
/// The limit counter on a real redis-server of this class's own (a class fixture, not the assembly's):
/// <see cref="ScriptCallsAsync"/> counts every script the server runs.
/// </summary>
public sealed class RedisLimitCounterTests(RedisServer redis) : LimitCounterConformanceTests, IAsyncLifetime, IClassFixture<RedisServer>
{
    private readonly List<RedisLimitCounter> _counters = [];
    private readonly string _keyPrefix = "test:" + Guid.NewGuid().ToString("N") + ":";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var counter in _counters)
        {
            await counter.DisposeAsync();
        }
    }

    private protected override ValueTask<ILimitCounter> CreateCounterAsync() => new(Replica());

    private protected override ValueTask<ILimitCounter> CreateCounterAsync(TimeZoneInfo timeZone) => new(Replica(timeZone));

    // A round trip per operation: fewer rounds, still thousands of operations on the real server.
    private protected override int RandomRounds => 6;

    [Fact]
    public async Task Two_replicas_with_their_own_connections_share_one_request_budget_exactly()
    {
        var first = Replica();
        var second = Replica();
        var limits = new TierLimits { Requests = 50, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 };
        var partition = new LimitPartition("free", "alice", null);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 200)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await (i % 2 == 0 ? first : second).AcquireAsync(partition, limits, 0, default);
            }))
            .ToArray();
        start.SetResult();
        var decisions = await Task.WhenAll(calls);

        Assert.Equal(50, decisions.Count(d => d.Allowed));
        Assert.All(decisions, d => Assert.False(d.CountersUnavailable));
        Assert.Equal(50, (await first.ReadAsync(partition, limits, default)).Requests.Used);
        Assert.Equal(50, (await second.ReadAsync(partition, limits, default)).Requests.Used);
    }

    [Fact]
    public async Task A_settlement_rides_on_the_replicas_next_acquire_of_the_partition_without_a_round_trip_of_its_own()
    {
        var counter = Replica();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 };
        var partition = new LimitPartition("free", "alice", "model-1");
        var reservation = (await counter.AcquireAsync(partition, limits, 10, default)).Reservation!;
        var scriptsBefore = await ScriptCallsAsync();

        await counter.SettleAsync(reservation, 100, default);
        var refused = await counter.AcquireAsync(partition, limits, 10, default);

        Assert.Equal(LimitKind.Tokens, refused.RefusedBy);
        Assert.Equal(100, refused.Tokens.Used);
        Assert.Equal(1, await ScriptCallsAsync() - scriptsBefore);
    }

    [Fact]
    public async Task A_settlement_reaches_the_other_replicas_within_the_flush_interval_when_its_partition_goes_quiet()
    {
        var first = Replica();
        var second = Replica();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 };
        var partition = new LimitPartition("free", "alice", "model-1");
        var reservation = (await second.AcquireAsync(partition, limits, 10, default)).Reservation!;
        await second.SettleAsync(reservation, 100, default);

        // Until then the other replica sees the reservation.
        Assert.Equal(10, (await first.ReadAsync(partition, limits, default)).Tokens.Used);

        Time.Advance(RedisLimitCounter.FlushInterval);
        await second.LastFlush;
        var refused = await first.AcquireAsync(partition, limits, 10, default);
        Assert.Equal(LimitKind.Tokens, refused.RefusedBy);
        Assert.Equal(100, refused.Tokens.Used);
    }

    [Fact]
    public async Task Stopping_a_replica_sends_its_pending_settlements()
    {
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(2), TokensPerMinute = 1000 };
        var partitions = Enumerable.Range(0, 20).Select(i => new LimitPartition("free", $"user-{i}", null)).ToArray();
        var stopping = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = redis.Configuration, KeyPrefix = _keyPrefix },
            Time,
            new LimitCounterFailures(LimitFailureMode.Open, Time, NullLogger.Instance, new LimiterMetrics(null)));
        foreach (var partition in partitions)
        {
            var reservation = (await stopping.AcquireAsync(partition, limits, 50, default)).Reservation!;
            await stopping.SettleAsync(reservation, 7, default);
        }

        await stopping.DisposeAsync();

        var other = Replica();
        foreach (var partition in partitions)
        {
            Assert.Equal(7, (await other.ReadAsync(partition, limits, default)).Tokens.Used);
        }
    }

    /// <summary>How many scripts the server has run (EVAL and EVALSHA), from <c>INFO commandstats</c>; the server is this class's own and its tests run one at a time.</summary>
    private async Task<long> ScriptCallsAsync()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var stats = await connection.GetServer(redis.Host, redis.Port).InfoAsync("commandstats");
        return stats.SelectMany(group => group)
            .Where(pair => pair.Key is "cmdstat_eval" or "cmdstat_evalsha")
            .Sum(pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_script_error_is_not_answered_as_a_counter_outage()
    {
        using var meters = new TestMeterFactory();
        using var errors = new MetricCollector<long>(meters, LimiterMetrics.MeterName, LimiterMetrics.ErrorsName);
        var logger = new FakeLogger();
        await using var counter = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = redis.Configuration, KeyPrefix = _keyPrefix },
            Time,
            new LimitCounterFailures(LimitFailureMode.Open, Time, logger, new LimiterMetrics(meters)));
        var partition = new LimitPartition("free", "wrongtype", null);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await connection.GetDatabase().StringSetAsync(counter.Key(partition), "not a hash");

        // Not a fail-open call counted for nothing, and not the outage warning or metric.
        await Assert.ThrowsAsync<RedisServerException>(async () => await counter.AcquireAsync(partition, new TierLimits { Requests = 5, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 }, 1, default));
        Assert.Empty(errors.GetMeasurementSnapshot());
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Id.Id == 4100);
    }

    [Fact]
    public async Task Keys_live_under_the_prefix_and_expire_after_the_later_window()
    {
        var counter = Replica();
        var limits = new TierLimits { Requests = 5, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 };
        await counter.AcquireAsync(new LimitPartition("free", "alice", null), limits, 1, default);

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = connection.GetServer(redis.Host, redis.Port);
        var key = Assert.Single(server.Keys(pattern: _keyPrefix + "*").ToArray());
        Assert.Equal(_keyPrefix + "free:*:alice", key.ToString());
        var ttl = await connection.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        // The later window (2 min, not the token window's 1) plus 1 s of slack, less the real time Redis
        // counted down since the script set it (over a second once on a loaded CI machine).
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(90), TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Partition_keys_cannot_collide()
    {
        var counter = Replica();
        Assert.NotEqual(counter.Key(new("a:b", "c", null)), counter.Key(new("a", "b:c", null)));
        Assert.NotEqual(counter.Key(new("a", "b", "m")), counter.Key(new("a", "m:b", null)));
        Assert.NotEqual(counter.Key(new("a", "b", "*")), counter.Key(new("a", "b", null)));
    }

    private RedisLimitCounter Replica(TimeZoneInfo? timeZone = null)
    {
        var counter = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = redis.Configuration, KeyPrefix = _keyPrefix, TimeZone = (timeZone ?? TimeZoneInfo.Utc).Id },
            Time,
            new LimitCounterFailures(LimitFailureMode.Open, Time, NullLogger.Instance, new LimiterMetrics(null)));
        _counters.Add(counter);
        return counter;
    }
}
