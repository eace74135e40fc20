using Maas.Gateway.Limits;
using Maas.Tiers;

namespace Maas.Gateway.Tests;

internal sealed class TemporaryAllowAllCounter : ILimitCounter
{
    public ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new LimitDecision
        {
            Allowed = true,
            Requests = new LimitState(limits.Requests, 1, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2)),
            Tokens = new LimitState(limits.TokensPerMinute, estimatedTokens, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)),
            Reservation = new TokenReservation(partition, estimatedTokens, DateTimeOffset.UnixEpoch),
        });

    public ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<(LimitState Requests, LimitState Tokens)> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken) =>
        ValueTask.FromResult((new LimitState(limits.Requests, 0, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2)), new LimitState(limits.TokensPerMinute, 0, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1))));
}
