using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using Maas.Durations;
using Maas.Gateway;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Maas.Benchmarks;

/// <summary>
/// The limit check every gateway call makes: acquire (and settle) on the in-memory counter and on
/// a real Redis (a throwaway <c>redis-server</c> on 127.0.0.1 from <c>tests/Maas.Testing</c>). Limits
/// are set high enough never to refuse. The floor is one probe of a concurrent dictionary keyed by
/// partition, which the in-memory counter cannot do without.
/// </summary>
[MemoryDiagnoser]
public class LimitCounterBenchmarks
{
    private static readonly TierLimits Limits = new() { Requests = int.MaxValue, Window = GoDuration.FromMinutes(2), TokensPerMinute = long.MaxValue / 2 };
    private static readonly LimitPartition Alice = new("free", "alice", null);

    private readonly ConcurrentDictionary<LimitPartition, object> _floor = new();
    private LimitPartition[] _users = [];
    private int _next;
    private InMemoryLimitCounter _inMemory = null!;
    private RedisServer _redis = null!;
    private RedisLimitCounter _onRedis = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _floor[Alice] = new object();
        _users = [.. Enumerable.Range(0, 10_000).Select(i => new LimitPartition("free", "user" + i, null))];
        _inMemory = new InMemoryLimitCounter(TimeProvider.System, Failures());
        _redis = new RedisServer();
        await _redis.InitializeAsync();
        _onRedis = new RedisLimitCounter(new GatewayLimitOptions { Redis = _redis.Configuration }, TimeProvider.System, Failures());
        await _onRedis.AcquireAsync(Alice, Limits, 1, default);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _onRedis.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>The floor: one concurrent-dictionary probe for a partition.</summary>
    [Benchmark(Baseline = true)]
    public object? DictionaryProbe() => _floor.GetValueOrDefault(Alice);

    /// <summary>One user's call counted in memory.</summary>
    [Benchmark]
    public async ValueTask<bool> InMemory_Acquire() => (await _inMemory.AcquireAsync(Alice, Limits, 100, default)).Allowed;

    /// <summary>A call counted and settled in memory, as the gateway does once the answer's usage is known.</summary>
    [Benchmark]
    public async ValueTask InMemory_AcquireAndSettle()
    {
        var decision = await _inMemory.AcquireAsync(Alice, Limits, 100, default);
        await _inMemory.SettleAsync(decision.Reservation!, 42, default);
    }

    /// <summary>Calls spread over 10,000 users.</summary>
    [Benchmark]
    public async ValueTask<bool> InMemory_Acquire_10kUsers() => (await _inMemory.AcquireAsync(_users[_next++ % _users.Length], Limits, 100, default)).Allowed;

    /// <summary>One call counted on Redis: one round trip running the acquire script.</summary>
    [Benchmark]
    public async Task<bool> Redis_Acquire() => (await _onRedis.AcquireAsync(Alice, Limits, 100, default)).Allowed;

    /// <summary>A call counted and settled on Redis: two round trips.</summary>
    [Benchmark]
    public async Task Redis_AcquireAndSettle()
    {
        var decision = await _onRedis.AcquireAsync(Alice, Limits, 100, default);
        await _onRedis.SettleAsync(decision.Reservation!, 42, default);
    }

    private static LimitCounterFailures Failures() =>
        new(LimitFailureMode.Open, TimeProvider.System, NullLogger.Instance, new LimiterMetrics(null));
}
