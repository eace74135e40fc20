using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// Counts the two limits of a tier per <see cref="LimitPartition"/>: requests per window and LLM
/// tokens per minute. One instance serves every call of a process; the in-memory counter keeps
/// one replica's budget, the Redis counter one budget shared by every replica.
/// </summary>
/// <remarks>
/// <see cref="AcquireAsync"/> is atomic over both limits: a refused call counts against neither.
/// A limit of 0 is not enforced. The shape follows <c>System.Threading.RateLimiting</c> for the
/// request permit; LLM tokens need more than a permit: an estimate is reserved before forwarding
/// and settled with the real count after.
/// </remarks>
internal interface ILimitCounter
{
    /// <summary>Counts one request and reserves <paramref name="estimatedTokens"/> LLM tokens, or refuses the call and counts nothing.</summary>
    ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a reservation with the real number of LLM tokens the call used, in the window it was
    /// reserved in (after that window ended, nothing changes). Only the first settlement of a
    /// reservation counts; a counter outage leaves the estimate counted. Never throws for an outage.
    /// A shared counter may apply it a little later (the Redis counter with the replica's next
    /// acquire of the partition, or within its flush interval); the same replica's next acquire and
    /// read always see it.
    /// </summary>
    ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken);

    /// <summary>Reads both limits' state without counting anything, for <c>GET /v1/usage</c>.</summary>
    /// <exception cref="Maas.ApiKeys.StoreUnavailableException">The counters cannot be reached (hosts answer 503).</exception>
    ValueTask<(LimitState Requests, LimitState Tokens)> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken);
}
