using Maas.ApiKeys;
using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// Counts the limits of a tier per <see cref="LimitPartition"/>: requests per window, LLM tokens
/// per minute, and the tier's budgets over long periods (<see cref="Maas.Tiers.TierLimits.Budgets"/>,
/// as <see cref="LimitBudgets"/> rules). One instance serves every call of a process; the in-memory counter keeps
/// one replica's budget, the Redis counter one budget shared by every replica.
/// </summary>
/// <remarks>
/// <see cref="AcquireAsync"/> is atomic over every limit and budget: a refused call counts against
/// none of them. A limit of 0 is not enforced. Token budgets take the reservation and are settled
/// with the real count, like the token limit. The shape follows <c>System.Threading.RateLimiting</c> for the
/// request permit; LLM tokens need more than a permit: an estimate is reserved before forwarding
/// and settled with the real count after.
/// </remarks>
internal interface ILimitCounter
{
    /// <summary>Counts one request and reserves <paramref name="estimatedTokens"/> LLM tokens, or refuses the call and counts nothing.</summary>
    ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken);

    /// <summary>
    /// Counts one request as <see cref="AcquireAsync(LimitPartition, TierLimits, long, CancellationToken)"/>
    /// does, and in the same atomic step against the API key <paramref name="keyId"/>'s own limits
    /// and budgets, counted per key (<see cref="LimitBudgets.Combine"/>): refused when either the
    /// tier's or the key's would be exceeded, and then counted against none. Without
    /// <paramref name="keyLimits"/> it is the tier's acquire, at no extra cost.
    /// </summary>
    ValueTask<LimitDecision> AcquireWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, long estimatedTokens, CancellationToken cancellationToken) =>
        AcquireAsync(partition, limits, estimatedTokens, cancellationToken);

    /// <summary>
    /// Replaces a reservation with the real number of LLM tokens the call used, in the window it was
    /// reserved in (after that window ended, nothing changes). Only the first settlement of a
    /// reservation counts; a counter outage leaves the estimate counted. Never throws for an outage.
    /// A shared counter may apply it a little later (the Redis counter with the replica's next
    /// acquire of the partition, or within its flush interval); the same replica's next acquire and
    /// read always see it.
    /// </summary>
    ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken);

    /// <summary>Reads every limit's and budget's state without counting anything, for <c>GET /v1/usage</c>.</summary>
    /// <exception cref="Maas.ApiKeys.StoreUnavailableException">The counters cannot be reached (hosts answer 503).</exception>
    ValueTask<LimitReading> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken);

    /// <summary>Reads as <see cref="ReadAsync(LimitPartition, TierLimits, CancellationToken)"/>, the key's own budgets after the tier's.</summary>
    /// <exception cref="Maas.ApiKeys.StoreUnavailableException">The counters cannot be reached (hosts answer 503).</exception>
    ValueTask<LimitReading> ReadWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, CancellationToken cancellationToken) =>
        ReadAsync(partition, limits, cancellationToken);
}
