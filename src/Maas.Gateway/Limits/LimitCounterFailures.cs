using Maas.Tiers;
using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Limits;

/// <summary>
/// What a counter does when it cannot count: the decision the configured
/// <see cref="LimitFailureMode"/> asks for, one metric increment per failure, and one log line per
/// <see cref="ReportInterval"/> at most (a Redis outage under load would otherwise log thousands of
/// lines a second), plus one line when counting works again.
/// </summary>
internal sealed class LimitCounterFailures(LimitFailureMode failureMode, TimeProvider timeProvider, ILogger logger, LimiterMetrics metrics)
{
    /// <summary>How often an ongoing outage is logged at most.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> a refused call gets when the counters are unavailable and the mode is closed.</summary>
    public static readonly TimeSpan ClosedRetryAfter = TimeSpan.FromSeconds(5);

    private long _nextReportTicks = long.MinValue;
    private long _suppressed;
    private int _failing;

    public LimitFailureMode FailureMode => failureMode;

    /// <summary>Reports a failed acquire and answers as the failure mode says: allowed uncounted, or refused with <see cref="LimitDecision.CountersUnavailable"/>.</summary>
    public LimitDecision Acquire(TierLimits limits, string reason)
    {
        Report(LimitOperation.Acquire, reason);
        var open = failureMode == LimitFailureMode.Open;
        return new LimitDecision
        {
            Allowed = open,
            CountersUnavailable = true,
            RetryAfter = open ? TimeSpan.Zero : ClosedRetryAfter,
            Requests = LimitWindows.Untouched(limits.Requests, LimitWindows.RequestWindow(limits)),
            Tokens = LimitWindows.Untouched(limits.TokensPerMinute, LimitWindows.TokenWindow),
        };
    }

    /// <summary>Counts the failure and logs it unless an earlier failure was logged less than <see cref="ReportInterval"/> ago.</summary>
    public void Report(LimitOperation operation, string reason)
    {
        metrics.Error(operation);
        Volatile.Write(ref _failing, 1);
        var now = timeProvider.GetUtcNow().UtcTicks;
        var next = Volatile.Read(ref _nextReportTicks);
        if (now < next || Interlocked.CompareExchange(ref _nextReportTicks, now + ReportInterval.Ticks, next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        Log.CountersUnavailable(logger, reason, LimiterMetrics.OperationTag(operation), failureMode, Interlocked.Exchange(ref _suppressed, 0));
    }

    /// <summary>Logs a counter script's own error (a bug): not an outage, so neither the failure metric nor the outage warning.</summary>
    public void ScriptFailed(LimitOperation operation, string error) =>
        Log.ScriptFailed(logger, LimiterMetrics.OperationTag(operation), error);

    /// <summary>Notes a successful operation; the first one after a failure logs that counting resumed.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _failing) != 0 && Interlocked.Exchange(ref _failing, 0) != 0)
        {
            Interlocked.Exchange(ref _nextReportTicks, long.MinValue);
            Log.CountersRecovered(logger);
        }
    }
}
