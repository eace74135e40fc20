using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.ApiKeys;

/// <summary>
/// Deletes expired ephemeral keys <see cref="EphemeralKeyOptions.Grace"/> after they expire, every
/// <see cref="EphemeralKeyOptions.SweepInterval"/> on the host's <see cref="TimeProvider"/>, in
/// deletes of at most <see cref="EphemeralKeyOptions.BatchSize"/> keys, at most
/// <see cref="MaxBatchesPerSweep"/> of them per sweep (the rest waits for the next). Every replica may
/// sweep: a delete is idempotent. A store without <see cref="IEphemeralKeyStore"/> keeps its
/// ephemeral keys (they still expire). The later Go service runs the same delete from a CronJob
/// through <c>POST /internal/v1/api-keys/cleanup</c>, which a host maps to <see cref="SweepAsync"/> too.
/// </summary>
internal sealed partial class EphemeralKeySweeper(
    IKeyStore store,
    IOptions<MaasOptions> options,
    TimeProvider time,
    ILogger<EphemeralKeySweeper> logger) : IHostedService, IDisposable
{
    /// <summary>The most deletes one sweep makes, so a backlog never holds the store for long.</summary>
    internal const int MaxBatchesPerSweep = 100;

    private readonly EphemeralKeyOptions _options = options.Value.ApiKeys.Ephemeral;
    private readonly IEphemeralKeyStore? _store = store as IEphemeralKeyStore;
    private readonly CancellationTokenSource _stopping = new();
    private PeriodicTimer? _timer;
    private Task _loop = Task.CompletedTask;

    /// <summary>Raised after each sweep on the timer with how many keys it deleted (tests wait for it instead of sleeping).</summary>
    internal event Action<long>? Swept;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_store is not null && _options.SweepInterval.Nanoseconds > 0)
        {
            // Created here, so a tick is never missed: a PeriodicTimer remembers one that came while nobody waited.
            _timer = new PeriodicTimer(_options.SweepInterval.ToTimeSpan(), time);
            _loop = RunAsync(_timer, _stopping.Token);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _timer?.Dispose();
        await _loop.ConfigureAwait(false);
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Deletes the ephemeral keys that expired more than the grace ago, in bounded batches, and
    /// returns how many it deleted (0 when the store cannot sweep).
    /// </summary>
    public async ValueTask<long> SweepAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return 0;
        }

        var expiredBefore = time.GetUtcNow() - _options.Grace.ToTimeSpan();
        long deleted = 0;
        for (var batch = 0; batch < MaxBatchesPerSweep; batch++)
        {
            var count = await _store.DeleteExpiredEphemeralAsync(expiredBefore, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            deleted += count;
            if (count < _options.BatchSize)
            {
                break;
            }
        }

        return deleted;
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                long deleted = 0;
                try
                {
                    deleted = await SweepAsync(stopping).ConfigureAwait(false);
                    if (deleted > 0)
                    {
                        Log.EphemeralKeysSwept(logger, deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // A store outage or a bug must not stop the sweeper: the next tick tries again.
                    Log.EphemeralSweepFailed(logger, ex);
                }

                Swept?.Invoke(deleted);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1300, EventName = "EphemeralKeysSwept", Level = LogLevel.Information, Message = "Deleted {Count} expired ephemeral API key(s)")]
        public static partial void EphemeralKeysSwept(ILogger logger, long count);

        [LoggerMessage(EventId = 1301, EventName = "EphemeralSweepFailed", Level = LogLevel.Warning, Message = "Sweeping expired ephemeral API keys failed; tried again at the next interval")]
        public static partial void EphemeralSweepFailed(ILogger logger, Exception exception);
    }
}
