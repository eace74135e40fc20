using System.Diagnostics;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Gateway.Tests.Limits;

/// <summary>Redis stopped mid-test, then started again: each test owns its server, so stopping it disturbs no other test.</summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private static readonly TierLimits Limits = new() { Requests = 5, Window = GoDuration.FromMinutes(2), TokensPerMinute = 1000 };
    private static readonly LimitPartition Alice = new("free", "alice", null);

    private readonly RedisServer _redis = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));
    private readonly TestMeterFactory _meters = new();
    private readonly FakeLogger _logger = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _meters.Dispose();
    }

    [Theory]
    [InlineData(LimitFailureMode.Open)]
    [InlineData(LimitFailureMode.Closed)]
    public async Task Redis_stopped_mid_test_follows_the_failure_mode_and_counting_resumes_when_it_is_back(LimitFailureMode mode)
    {
        using var errors = new MetricCollector<long>(_meters, LimiterMetrics.MeterName, LimiterMetrics.ErrorsName);
        await using var counter = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = _redis.Configuration, FailureMode = mode },
            _time,
            new LimitCounterFailures(mode, _time, _logger, new LimiterMetrics(_meters)));

        var before = await counter.AcquireAsync(Alice, Limits, 10, default);
        Assert.True(before.Allowed);
        Assert.Equal(1, before.Requests.Used);

        await _redis.StopAsync();
        for (var i = 0; i < 10; i++)
        {
            var during = await counter.AcquireAsync(Alice, Limits, 10, default);
            Assert.True(during.CountersUnavailable);
            Assert.Equal(mode == LimitFailureMode.Open, during.Allowed);
            Assert.Null(during.RefusedBy);
            Assert.Null(during.Reservation);
            Assert.Equal(mode == LimitFailureMode.Open ? TimeSpan.Zero : LimitCounterFailures.ClosedRetryAfter, during.RetryAfter);
        }

        await counter.SettleAsync(before.Reservation!, 20, default);
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await counter.ReadAsync(Alice, Limits, default));

        var measurements = errors.GetMeasurementSnapshot();
        Assert.Equal(10, measurements.Count(m => Equals(m.Tags["operation"], "acquire")));
        Assert.Equal(1, measurements.Count(m => Equals(m.Tags["operation"], "settle")));
        Assert.Equal(1, measurements.Count(m => Equals(m.Tags["operation"], "read")));
        var warning = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(4100, warning.Id.Id);
        Assert.Contains(mode.ToString(), warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", warning.Message, StringComparison.Ordinal);

        await _redis.StartAgainAsync();
        var after = await AcquireUntilCountedAsync(counter);

        // The restarted server kept nothing (no persistence): counting starts over, and the script is sent again.
        Assert.True(after.Allowed);
        Assert.Equal(1, after.Requests.Used);
        Assert.Equal(1, (await counter.ReadAsync(Alice, Limits, default)).Requests.Used);
        Assert.Equal(4101, _logger.LatestRecord.Id.Id);
        Assert.Equal(2, _logger.Collector.Count);
    }

    [Fact]
    public async Task A_gateway_starts_while_redis_is_down_and_fails_open_by_default()
    {
        await _redis.StopAsync();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(_time)
            .AddMaasLimitCounter();
        services.Configure<GatewayLimitOptions>(o => o.Redis = _redis.Configuration + ",connectTimeout=1000");
        await using var provider = services.BuildServiceProvider();

        var counter = provider.GetRequiredService<ILimitCounter>();
        Assert.IsType<RedisLimitCounter>(counter);
        var decision = await counter.AcquireAsync(Alice, Limits, 1, default);
        Assert.True(decision.Allowed);
        Assert.True(decision.CountersUnavailable);

        await _redis.StartAgainAsync();
        var counted = await AcquireUntilCountedAsync(counter);
        Assert.Equal(1, counted.Requests.Used);
    }

    [Fact]
    public async Task A_redis_too_slow_to_answer_fails_the_call_after_the_configured_timeout()
    {
        using var errors = new MetricCollector<long>(_meters, LimiterMetrics.MeterName, LimiterMetrics.ErrorsName);
        await using var counter = new RedisLimitCounter(
            new GatewayLimitOptions { Redis = _redis.Configuration + ",asyncTimeout=200" },
            _time,
            new LimitCounterFailures(LimitFailureMode.Open, _time, _logger, new LimiterMetrics(_meters)));
        Assert.False((await counter.AcquireAsync(Alice, Limits, 1, default)).CountersUnavailable);

        await _redis.PauseAsync();
        try
        {
            var slow = await counter.AcquireAsync(Alice, Limits, 1, default);
            Assert.True(slow.Allowed);
            Assert.True(slow.CountersUnavailable);
            Assert.Contains("Timeout", Assert.Single(_logger.Collector.GetSnapshot()).Message, StringComparison.Ordinal);
            Assert.Equal(1, errors.GetMeasurementSnapshot().EvaluateAsCounter());
        }
        finally
        {
            await _redis.ResumeAsync();
        }

        // The timed-out script still ran once Redis woke up: the call was counted after all.
        var after = await AcquireUntilCountedAsync(counter);
        Assert.Equal(3, after.Requests.Used);
    }

    // Reconnecting takes the client's own retry delay; poll with a real deadline, not a guess.
    private static async Task<LimitDecision> AcquireUntilCountedAsync(ILimitCounter counter)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var decision = await counter.AcquireAsync(Alice, Limits, 10, default);
            if (!decision.CountersUnavailable)
            {
                return decision;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "Counting did not resume within 60 s of Redis coming back.");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
