using Maas.ApiKeys;
using Maas.Gateway.Forwarding;
using Maas.Logging;
using Maas.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>
/// Writes what <see cref="UsageLedgerRecorder"/> counted to the ledger every
/// <see cref="GatewayLedgerOptions.FlushInterval"/> (on the host's <see cref="TimeProvider"/>), in
/// batches of at most <see cref="UsageBatch.MaxIncrements"/>, and everything once more when the host
/// stops gracefully. A batch that fails is kept, with its id, and sent again first on the next tick:
/// the store applies a batch once, so a batch whose commit was lost is never counted twice, and
/// nothing is lost while the store is down (new calls keep counting into the bounded rows). What is
/// still unwritten when the host stops is counted on <c>maas.gateway.ledger.dropped</c> and logged.
/// Every hour it also removes rows older than <see cref="GatewayLedgerOptions.Retention"/>.
/// </summary>
internal sealed partial class UsageLedgerWriter(
    UsageLedgerRecorder recorder,
    IServiceProvider services,
    IOptions<GatewayLedgerOptions> options,
    TimeProvider time,
    OutageLog outages,
    ILogger<UsageLedgerWriter> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly GatewayLedgerOptions _options = options.Value;
    private readonly Queue<UsageBatch> _pending = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private IUsageLedger? _ledger;
    private DateTimeOffset _nextSweep;

    /// <summary>Raised after each flush on the timer (tests wait for it instead of sleeping).</summary>
    internal event Action? Flushed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (recorder.Enabled)
        {
            // Resolved only when recording: a key store without a ledger refuses to start here, naming the capability.
            _ledger = services.GetRequiredService<IUsageLedger>();
            _nextSweep = time.GetUtcNow();
            _loop = RunAsync(_stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!recorder.Enabled)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);

        // Calls that ended while the server drained are in the rows: write them all now.
        if (!await FlushAsync(cancellationToken).ConfigureAwait(false))
        {
            var lost = _pending.Sum(b => b.Increments.Sum(i => i.Requests)) + recorder.Take().Sum(i => i.Requests);
            recorder.Dropped(lost, "shutdown");
            Log.LedgerLostAtStop(logger, lost);
            _pending.Clear();
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _flushGate.Dispose();
    }

    /// <summary>
    /// Sends the batches still pending, then takes and sends what was counted since. Returns whether
    /// nothing is left pending; a store failure keeps the failed batch and those after it.
    /// </summary>
    internal async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await DrainAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var increments = recorder.Take();
            for (var i = 0; i < increments.Count; i += UsageBatch.MaxIncrements)
            {
                _pending.Enqueue(new UsageBatch
                {
                    Id = Guid.NewGuid(),
                    Increments = increments.GetRange(i, Math.Min(UsageBatch.MaxIncrements, increments.Count - i)),
                });
            }

            return await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        var ledger = _ledger ?? throw new InvalidOperationException("The usage ledger writer was not started.");
        while (_pending.TryPeek(out var batch))
        {
            try
            {
                await ledger.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StoreUnavailableException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (outages.ShouldLog("usage ledger: " + ex.Message, out var failures))
                {
                    Log.LedgerUnavailable(logger, ex.Message, failures);
                }

                return false;
            }

            _pending.Dequeue();
        }

        return true;
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.FlushInterval, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await FlushAsync(CancellationToken.None).ConfigureAwait(false);
                await SweepWhenDueAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Anything else (a bug, a refused batch) must not stop the writer: logged, retried on the next tick.
                Log.LedgerWriteFailed(logger, ex);
            }

            Flushed?.Invoke();
        }
    }

    private async Task SweepWhenDueAsync()
    {
        var now = time.GetUtcNow();
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + SweepInterval;
        try
        {
            var removed = await _ledger!.DeleteBeforeAsync(now - _options.Retention, CancellationToken.None).ConfigureAwait(false);
            if (removed > 0)
            {
                Log.LedgerSwept(logger, removed, _options.Retention.TotalDays);
            }
        }
        catch (StoreUnavailableException)
        {
            // Retried at the next hour; the flush above logged the outage.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 8020, Level = LogLevel.Warning, Message = "Usage ledger unavailable: {Reason}; the counts are kept and sent again ({Count} failed write(s) since the last such line)")]
        public static partial void LedgerUnavailable(ILogger logger, string reason, int count);

        [LoggerMessage(EventId = 8021, Level = LogLevel.Error, Message = "The usage ledger could not be written when the gateway stopped: {Requests} call(s) were not recorded")]
        public static partial void LedgerLostAtStop(ILogger logger, long requests);

        [LoggerMessage(EventId = 8022, Level = LogLevel.Error, Message = "Writing the usage ledger failed; retried on the next tick")]
        public static partial void LedgerWriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 8023, Level = LogLevel.Information, Message = "Usage ledger retention: removed {Rows} row(s) older than {Days} days")]
        public static partial void LedgerSwept(ILogger logger, long rows, double days);
    }
}
