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

    private readonly IKeyUsageStore _store;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, UsageSlot> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly ITimer _timer;
    private int _disposed;

    public KeyUsageRecorder(IKeyUsageStore store, TimeProvider time, IOptions<MaasOptions> options, ILogger<KeyUsageRecorder> logger)
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
    /// <remarks>
    /// Called on every request with a valid key, often for the same key from every thread: a
    /// lock-free read of the key's slot and a compare-and-swap on it. <c>AddOrUpdate</c> on a
    /// dictionary of instants took the key's bucket lock and allocated a node per call; with 64
    /// connections on one key that lock was contended (<c>Monitor.Enter_Slowpath</c> under
    /// <c>ValidateKey</c> in a dotnet-trace profile of the gateway) and chat calls with a key cost
    /// the gateway about 1.5x the CPU of calls with a token (benchmarks/load, data plane).
    /// </remarks>
    public void Record(string keyId, DateTimeOffset usedAt)
    {
        while (!_pending.GetOrAdd(keyId, static _ => new UsageSlot()).TryRaise(usedAt.UtcTicks))
        {
            // The slot was taken by a flush a moment ago: record into a new one.
        }
    }

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
            foreach (var (id, slot) in _pending)
            {
                // Removed first, then closed: a use recorded before the close is in the instant
                // read here; one after it finds the slot closed and records into a new slot.
                if (_pending.TryRemove(new KeyValuePair<string, UsageSlot>(id, slot)) && slot.Close() is { } usedAt)
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

    /// <summary>The latest use of one key, raised without a lock; closed once a flush has taken it.</summary>
    private sealed class UsageSlot
    {
        private const long Unset = 0;
        private const long Closed = -1;
        private long _ticks = Unset;

        /// <summary>Raises the instant to <paramref name="utcTicks"/> if later; false when the slot is closed.</summary>
        public bool TryRaise(long utcTicks)
        {
            while (true)
            {
                var current = Volatile.Read(ref _ticks);
                if (current == Closed)
                {
                    return false;
                }

                if (current >= utcTicks || Interlocked.CompareExchange(ref _ticks, utcTicks, current) == current)
                {
                    return true;
                }
            }
        }

        /// <summary>Closes the slot; returns its instant, or <see langword="null"/> when none was recorded yet.</summary>
        public DateTimeOffset? Close()
        {
            var ticks = Interlocked.Exchange(ref _ticks, Closed);
            return ticks > Unset ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
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
