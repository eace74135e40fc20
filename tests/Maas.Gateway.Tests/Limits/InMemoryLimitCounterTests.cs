using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Gateway.Tests.Limits;

public sealed class InMemoryLimitCounterTests : LimitCounterConformanceTests, IDisposable
{
    private static readonly TierLimits FiveRequests = new() { Requests = 5, Window = GoDuration.FromMinutes(2), TokensPerMinute = 100 };

    private readonly TestMeterFactory _meters = new();
    private readonly FakeLogger _logger = new();

    public void Dispose() => _meters.Dispose();

    private protected override ValueTask<ILimitCounter> CreateCounterAsync() => new(Create(LimitFailureMode.Open));

    private protected override ValueTask<ILimitCounter> CreateCounterAsync(TimeZoneInfo timeZone) =>
        new(new InMemoryLimitCounter(Time, new LimitCounterFailures(LimitFailureMode.Open, Time, _logger, new LimiterMetrics(_meters)), InMemoryLimitCounter.DefaultMaxPartitions, timeZone));

    [Fact]
    public async Task Partitions_whose_windows_ended_are_dropped()
    {
        var counter = Create(LimitFailureMode.Open);
        for (var i = 0; i < 1000; i++)
        {
            await counter.AcquireAsync(new LimitPartition("free", "user" + i, null), FiveRequests, 1, default);
        }

        Assert.Equal(1000, counter.PartitionCount);
        Time.Advance(TimeSpan.FromMinutes(1));
        await counter.AcquireAsync(new LimitPartition("free", "late", null), FiveRequests, 1, default);

        // The token windows ended, the request windows did not: nothing can be dropped yet.
        // (A background sweep may run alongside; the count is what both leave behind.)
        counter.SweepExpired();
        Assert.Equal(1001, counter.PartitionCount);
        Time.Advance(TimeSpan.FromMinutes(1));
        counter.SweepExpired();
        Assert.Equal(1, counter.PartitionCount);

        // A dropped partition starts over with a fresh window.
        var again = await counter.AcquireAsync(new LimitPartition("free", "user0", null), FiveRequests, 1, default);
        Assert.Equal(1, again.Requests.Used);
        Assert.Equal(2, counter.PartitionCount);
    }

    [Fact]
    public async Task A_flood_of_distinct_users_beyond_the_bound_fails_open_with_a_log_line_and_a_metric()
    {
        using var errors = new MetricCollector<long>(_meters, LimiterMetrics.MeterName, LimiterMetrics.ErrorsName);
        var counter = Create(LimitFailureMode.Open, maxPartitions: 10);
        for (var i = 0; i < 10; i++)
        {
            Assert.False((await counter.AcquireAsync(new LimitPartition("free", "user" + i, null), FiveRequests, 1, default)).CountersUnavailable);
        }

        for (var i = 10; i < 30; i++)
        {
            var decision = await counter.AcquireAsync(new LimitPartition("free", "user" + i, null), FiveRequests, 1, default);
            Assert.True(decision.Allowed);
            Assert.True(decision.CountersUnavailable);
            Assert.Null(decision.Reservation);
        }

        Assert.Equal(10, counter.PartitionCount);
        Assert.Equal(20, errors.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(errors.GetMeasurementSnapshot(), m => Assert.Equal("acquire", m.Tags["operation"]));
        var warning = Assert.Single(_logger.Collector.GetSnapshot());
        Assert.Equal(4100, warning.Id.Id);
        Assert.DoesNotContain("user", warning.Message, StringComparison.Ordinal);

        // Known partitions keep counting; once their windows end there is room again.
        Assert.False((await counter.AcquireAsync(new LimitPartition("free", "user3", null), FiveRequests, 1, default)).CountersUnavailable);
        Time.Advance(TimeSpan.FromMinutes(2));
        var admitted = await counter.AcquireAsync(new LimitPartition("free", "newcomer", null), FiveRequests, 1, default);
        Assert.False(admitted.CountersUnavailable);
        Assert.Equal(1, counter.PartitionCount);
        Assert.Equal(4101, _logger.LatestRecord.Id.Id);
    }

    [Fact]
    public async Task A_flood_beyond_the_bound_is_refused_when_failing_closed()
    {
        var counter = Create(LimitFailureMode.Closed, maxPartitions: 1);
        Assert.True((await counter.AcquireAsync(new LimitPartition("free", "a", null), FiveRequests, 1, default)).Allowed);
        var refused = await counter.AcquireAsync(new LimitPartition("free", "b", null), FiveRequests, 1, default);
        Assert.False(refused.Allowed);
        Assert.True(refused.CountersUnavailable);
        Assert.Null(refused.RefusedBy);
        Assert.Equal(LimitCounterFailures.ClosedRetryAfter, refused.RetryAfter);
    }

    [Fact]
    public async Task Counting_stays_exact_while_sweeps_run_against_many_users()
    {
        var counter = Create(LimitFailureMode.Open);
        var limits = new TierLimits { Requests = 3, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 };
        var allowed = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 2000; i++)
            {
                if ((await counter.AcquireAsync(new LimitPartition("free", "user" + (i % 100), null), limits, 0, default)).Allowed)
                {
                    Interlocked.Increment(ref allowed);
                }

                if (worker == 0 && i % 100 == 0)
                {
                    counter.SweepExpired();
                }
            }
        })));

        Assert.Equal(300, allowed);
    }

    private InMemoryLimitCounter Create(LimitFailureMode mode, int maxPartitions = InMemoryLimitCounter.DefaultMaxPartitions) =>
        new(Time, new LimitCounterFailures(mode, Time, _logger, new LimiterMetrics(_meters)), maxPartitions);
}
