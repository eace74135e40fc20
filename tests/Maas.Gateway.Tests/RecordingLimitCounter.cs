using System.Collections.Concurrent;
using Maas.Gateway.Limits;
using Maas.Tiers;

namespace Maas.Gateway.Tests;

/// <summary>
/// Wraps the gateway's limit counter and records every acquisition and settlement, so tests can
/// check that each reservation is settled exactly once and with what.
/// </summary>
internal sealed class RecordingLimitCounter(ILimitCounter inner) : ILimitCounter
{
    public ConcurrentQueue<(LimitPartition Partition, long Estimate, LimitDecision Decision)> Acquired { get; } = new();

    public ConcurrentQueue<(TokenReservation Reservation, long Actual)> Settled { get; } = new();

    /// <summary>Completes at every settlement (reset by the test as needed).</summary>
    public TaskCompletionSource SettledSignal { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken)
    {
        var decision = await inner.AcquireAsync(partition, limits, estimatedTokens, cancellationToken);
        Acquired.Enqueue((partition, estimatedTokens, decision));
        return decision;
    }

    public async ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken)
    {
        await inner.SettleAsync(reservation, actualTokens, cancellationToken);
        Settled.Enqueue((reservation, actualTokens));
        SettledSignal.TrySetResult();
    }

    public ValueTask<LimitReading> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken) =>
        inner.ReadAsync(partition, limits, cancellationToken);
}
