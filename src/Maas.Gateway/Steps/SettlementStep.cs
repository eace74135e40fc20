using System.Runtime.CompilerServices;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Limits;
using Maas.Gateway.Responses;
using Maas.Gateway.Usage;
using Microsoft.Extensions.Logging;
using Log = Maas.Gateway.Forwarding.Log;

namespace Maas.Gateway.Steps;

/// <summary>
/// Settles an admitted call's reservation exactly once, whatever happened to the call: with the
/// answer's final usage as soon as the answer ends (before its end reaches the client, through the
/// metering stream this step puts around the response), or else when the call ends, by
/// <see cref="SettleWithoutUsageAsync"/>. Then counts the call's outcome.
/// </summary>
internal sealed class SettlementStep(ILimitCounter counter, GatewayMetrics metrics, UsageLedgerRecorder ledger, ILogger<SettlementStep> logger) : IGatewayStep
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        context.Settlement = this;
        var metering = new UsageMeteringStream(context.HttpContext.Response.Body, context.Request.Stream, context.DropUsageChunk, context);
        context.Metering = metering;
        try
        {
            await proceed(context).ConfigureAwait(false);
        }
        finally
        {
            // The prompt's share of the reservation (body length / 4), for a stream cut before its usage.
            var promptEstimate = context.Body is { } body ? (body.Length + 3L) / 4 : 0L;
            await SettleWithoutUsageAsync(context, metering.IsEventStream, metering.Usage, promptEstimate, metering.StreamedCompletionTokens).ConfigureAwait(false);
            await metering.DisposeAsync().ConfigureAwait(false);
            context.Count(context.Outcome);
            ledger.Record(context, metering.Usage);
        }
    }

    /// <summary>Settles the call with the answer's final usage (a no-op once the call was settled).</summary>
    public ValueTask SettleAsync(GatewayCallContext context, TokenUsage usage)
    {
        if (!context.TrySettle())
        {
            return ValueTask.CompletedTask;
        }

        metrics.Tokens(context.Tier.Name, context.ResolvedModel!.Id, usage);
        return ApplyAsync(context, usage.TotalTokens);
    }

    /// <summary>
    /// Settles a call whose answer showed no final usage (a no-op once <see cref="SettleAsync"/> ran):
    /// <list type="bullet">
    /// <item>no upstream answer (unreachable, reset or timed out before its headers): 0, unless
    /// the client left first, then the reservation (the upstream may have been working on it);</item>
    /// <item>an answer whose status is not 2xx: a failed call costs nothing, 0 (or the usage it showed);</item>
    /// <item>a 2xx stream cut before its end (client gone, upstream silent past the timeout or
    /// reset), or one ending without usage: the largest of the reservation, the last running
    /// usage and the prompt estimate plus the completion tokens streamed, so nothing served goes uncounted;</item>
    /// <item>a 2xx JSON answer without usage: the reservation.</item>
    /// </list>
    /// </summary>
    public ValueTask SettleWithoutUsageAsync(GatewayCallContext context, bool stream, TokenUsage? lastUsage, long promptEstimate, long streamedCompletionTokens)
    {
        if (!context.TrySettle() || context.Decision?.Reservation is not { } reservation)
        {
            return ValueTask.CompletedTask;
        }

        var running = lastUsage?.TotalTokens ?? 0;
        var actual = context.UpstreamStatus switch
        {
            null => context.ClientGone ? reservation.Reserved : 0,
            < 200 or > 299 => running,
            _ when stream => Math.Max(Math.Max(reservation.Reserved, running), SaturatingAdd(promptEstimate, streamedCompletionTokens)),
            _ => reservation.Reserved,
        };
        return ApplyAsync(context, actual);
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private async ValueTask ApplyAsync(GatewayCallContext context, long actual)
    {
        if (context.Decision?.Reservation is not { } reservation)
        {
            return;
        }

        context.SettledTokens = actual;
        try
        {
            await counter.SettleAsync(reservation, actual, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SettleFailed(logger, context.ResolvedModel!.Id, ex.GetType().Name);
        }
    }
}
