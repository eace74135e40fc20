using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Maas.Gateway.Tests.Limits;

[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisLimitCounterTests(RedisServer redis) : LimitCounterConformanceTests, IAsyncLifetime
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
    public async Task A_reservation_made_on_one_replica_settles_on_the_shared_budget_from_another()
    {
        var first = Replica();
        var second = Replica();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 };
        var partition = new LimitPartition("free", "alice", "model-1");
        var reservation = (await first.AcquireAsync(partition, limits, 10, default)).Reservation!;
        await second.SettleAsync(reservation, 100, default);

        var refused = await first.AcquireAsync(partition, limits, 10, default);
        Assert.Equal(LimitKind.Tokens, refused.RefusedBy);
        Assert.Equal(100, refused.Tokens.Used);
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

    private RedisLimitCounter Replica()
    {
        var counter = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = redis.Configuration, KeyPrefix = _keyPrefix },
            Time,
            new LimitCounterFailures(LimitFailureMode.Open, Time, NullLogger.Instance, new LimiterMetrics(null)));
        _counters.Add(counter);
        return counter;
    }
}
