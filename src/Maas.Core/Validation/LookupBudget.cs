namespace Maas.Validation;

/// <summary>
/// A token bucket of store lookups for keys the membership filter does not know: a key created
/// on another replica a moment ago, whose announcement has not arrived yet, is still found; a
/// flood of made-up keys gets no more than the budget. Refills continuously from
/// <see cref="TimeProvider"/>, so it is deterministic under a fake clock.
/// </summary>
/// <remarks>
/// Written by hand rather than with System.Threading.RateLimiting's TokenBucketRateLimiter: that
/// limiter replenishes on its own timer (or by explicit calls) and cannot read a
/// <see cref="TimeProvider"/>, and Maas.Core takes no dependency beyond the abstractions.
/// </remarks>
internal sealed class LookupBudget(int perSecond, int burst, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>Takes one lookup from the budget; <see langword="false"/> when it is spent.</summary>
    public bool TryTake()
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * perSecond));
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
