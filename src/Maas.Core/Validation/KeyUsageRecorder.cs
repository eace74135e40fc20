using System.Collections.Concurrent;
using Maas.ApiKeys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Validation;

/// <summary>
/// Remembers in memory when each key was last used and writes the instants to the store in one
/// batch every <see cref="ValidationOptions.UsageFlushInterval"/> (on a <see cref="TimeProvider"/>
/// timer) and when disposed, so a key used on every request costs no write per request.
/// </summary>
internal sealed class KeyUsageRecorder : IAsyncDisposable, IDisposable
{
    /// <summary>The most usages written in one store call.</summary>
    internal const int BatchSize = 1_000;

    private readonly IKeyStore _store;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly ITimer _timer;
    private int _disposed;

    public KeyUsageRecorder(IKeyStore store, TimeProvider time, IOptions<MaasOptions> options, ILogger<KeyUsageRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _logger = logger;
        var interval = options.Value.Validation.UsageFlushInterval.ToTimeSpan();
        _timer = time.CreateTimer(static state => ((KeyUsageRecorder)state!).OnTimer(), this, interval, interval);
    }

    /// <summary>Gets how many keys have a usage waiting to be written.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Records that key <paramref name="keyId"/> was used at <paramref name="usedAt"/>; keeps the latest instant.</summary>
    public void Record(string keyId, DateTimeOffset usedAt) =>
        _pending.AddOrUpdate(keyId, static (_, at) => at, static (_, previous, at) => at > previous ? at : previous, usedAt);

    /// <summary>Writes the waiting usages to the store. A failed write keeps them for the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_pending.IsEmpty)
            {
                return;
            }

            var batch = new List<KeyUsage>(Math.Min(_pending.Count, BatchSize));
            foreach (var (id, _) in _pending)
            {
                if (_pending.TryRemove(id, out var usedAt))
                {
                    batch.Add(new KeyUsage(id, usedAt));
                }

                if (batch.Count == BatchSize)
                {
                    await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
        }
    }

    /// <summary>Stops the timer and writes what is waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task WriteAsync(List<KeyUsage> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _store.RecordUsageAsync(batch.ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Put them back (a newer instant recorded meanwhile wins) and try again later.
            foreach (var usage in batch)
            {
                Record(usage.Id, usage.UsedAt);
            }

            // Only the type: a store exception may quote its connection settings.
            Log.KeyUsageFlushFailed(_logger, batch.Count, ex.GetType().Name);
        }
    }

    private void OnTimer()
    {
        if (Volatile.Read(ref _disposed) == 0 && !_pending.IsEmpty)
        {
            _ = FlushAsync(CancellationToken.None);
        }
    }
}
