using Maas.ApiKeys;
using Microsoft.Extensions.Logging;

namespace Maas.Validation;

/// <summary>
/// Which key hashes exist, as a <see cref="BloomFilter"/> loaded from the store
/// (<see cref="IKeyUsageStore.ListHashesAsync"/>) and kept current: keys created here are added at
/// once, keys created on other replicas arrive through <see cref="KeyCreationSignal"/>, and a
/// resynchronization (events may have been missed) reloads it from the store.
/// </summary>
/// <remarks>
/// Sized for twice the keys found (at least <see cref="MinimumCapacity"/>), so it reloads at twice
/// the size once the keys added since outgrow it. A load records the hashes added while it streams
/// and adds them before it takes over, so none is missed; until the first load completes,
/// <see cref="MayContain"/> answers <see langword="true"/> (every key goes to the store, as without
/// a filter). A failed load is retried at the next question after <see cref="RetryDelay"/>.
/// Memory: 1.2 bytes per key of capacity (120 KB at the minimum, 2.4 MB for a million keys),
/// against about 60 for an exact set of hashes.
/// </remarks>
internal sealed class KnownKeyFilter
{
    public const int MinimumCapacity = 100_000;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private readonly IKeyUsageStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile BloomFilter? _current;
    private List<byte[]>? _addedWhileLoading;
    private Task _loading = Task.CompletedTask;
    private bool _loadAgain;
    private DateTimeOffset _retryAfter = DateTimeOffset.MinValue;

    public KnownKeyFilter(IKeyUsageStore store, TimeProvider time, ILogger logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets whether a load has completed, so a miss means "not a key".</summary>
    public bool IsLoaded => _current is not null;

    /// <summary>Gets the filter in use (tests and diagnostics).</summary>
    internal BloomFilter? Current => _current;

    /// <summary>Gets the load in flight, or a completed task (tests await it).</summary>
    internal Task Loading
    {
        get
        {
            lock (_gate)
            {
                return _loading;
            }
        }
    }

    /// <summary>Starts a load from the store unless one is running; then another follows it.</summary>
    public void Reload()
    {
        lock (_gate)
        {
            if (!_loading.IsCompleted)
            {
                _loadAgain = true;
                return;
            }

            _addedWhileLoading = [];
            _loading = Task.Run(LoadAsync);
        }
    }

    public void Add(ReadOnlySpan<byte> hash)
    {
        BloomFilter? grown = null;
        lock (_gate)
        {
            _addedWhileLoading?.Add(hash.ToArray());
            var current = _current;
            if (current is not null)
            {
                current.Add(hash);
                grown = current.Count > current.Capacity ? current : null;
            }
        }

        if (grown is not null)
        {
            Reload();
        }
    }

    /// <summary>Whether the key may exist; <see langword="false"/> is certain once loaded.</summary>
    public bool MayContain(ReadOnlySpan<byte> hash)
    {
        var current = _current;
        if (current is null)
        {
            RetryIfFailed();
            return true;
        }

        return current.MayContain(hash);
    }

    private void RetryIfFailed()
    {
        lock (_gate)
        {
            if (_loading.IsCompleted && _current is null && _time.GetUtcNow() >= _retryAfter)
            {
                _retryAfter = DateTimeOffset.MaxValue;
                _addedWhileLoading = [];
                _loading = Task.Run(LoadAsync);
            }
        }
    }

    private async Task LoadAsync()
    {
        while (true)
        {
            var hashes = new List<byte[]>();
            try
            {
                await foreach (var hash in _store.ListHashesAsync().ConfigureAwait(false))
                {
                    hashes.Add(hash);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                lock (_gate)
                {
                    _addedWhileLoading = null;
                    _loadAgain = false;
                    _retryAfter = _time.GetUtcNow() + RetryDelay;
                }

                Log.KeyFilterLoadFailed(_logger, ex.GetType().Name, RetryDelay);
                return;
            }

            lock (_gate)
            {
                var added = _addedWhileLoading ?? [];
                var filter = new BloomFilter(Math.Max(MinimumCapacity, 2 * (hashes.Count + added.Count)));
                foreach (var hash in hashes)
                {
                    filter.Add(hash);
                }

                foreach (var hash in added)
                {
                    filter.Add(hash);
                }

                _current = filter;
                Log.KeyFilterLoaded(_logger, hashes.Count, filter.Capacity, filter.SizeInBytes);
                if (!_loadAgain)
                {
                    _addedWhileLoading = null;
                    return;
                }

                _loadAgain = false;
                _addedWhileLoading = [];
            }
        }
    }
}
