using Maas.Revocation;

namespace Maas.Validation;

/// <summary>
/// What <see cref="CredentialValidator"/> remembers: known API keys by hash, unknown ones apart
/// (so made-up keys never push real ones out), verified
/// tokens by hash, and each owner's revoked-before instant with a version. Every cached key or
/// token carries the version of its owner's state when it was checked; a revocation drops the
/// owner's state, so the next check of any of their credentials finds a new version and goes
/// back to the store, without scanning the caches.
/// </summary>
/// <remarks>
/// The race "a check that read the store before a revocation inserts its answer after it" is
/// closed by <see cref="Epoch"/>: a check reads the epoch before it reads the store, inserts,
/// then takes its entry back out if a revocation moved the epoch meanwhile. A revocation moves
/// the epoch before it drops the owner's state, so either the checker sees the move, or the
/// drop comes after the insert and the entry's version is dead.
/// </remarks>
internal sealed class ValidationCache : IDisposable
{
    private readonly IDisposable _subscription;
    private long _epoch;
    private long _version;

    public ValidationCache(int capacity, RevocationSignal revocations)
    {
        ArgumentNullException.ThrowIfNull(revocations);
        Keys = new BoundedCache<Hash256, KnownApiKey>(capacity);
        UnknownKeys = new BoundedCache<Hash256, UnknownApiKey>(Math.Max(2, Math.Min(capacity, MaxUnknownKeys)));
        Tokens = new BoundedCache<Hash256, TokenCacheEntry>(capacity);
        Owners = new BoundedCache<string, OwnerState>(capacity, StringComparer.Ordinal);
        _subscription = revocations.Subscribe(OnRevocation);
    }

    /// <summary>The most "no such key" answers remembered: they only spare the store repeats of one made-up key.</summary>
    public const int MaxUnknownKeys = 10_000;

    public BoundedCache<Hash256, KnownApiKey> Keys { get; }

    /// <summary>Gets the keys the store said it does not know, apart from <see cref="Keys"/> so they never evict a real key.</summary>
    public BoundedCache<Hash256, UnknownApiKey> UnknownKeys { get; }

    public BoundedCache<Hash256, TokenCacheEntry> Tokens { get; }

    public BoundedCache<string, OwnerState> Owners { get; }

    /// <summary>Gets the number of revocations seen; read it before reading the store.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Returns a version no owner state had before, in this process.</summary>
    public long NextVersion() => Interlocked.Increment(ref _version);

    /// <summary>Caches <paramref name="value"/> unless a revocation happened since <paramref name="epoch"/> was read.</summary>
    public void Insert<TKey, TValue>(BoundedCache<TKey, TValue> cache, TKey key, TValue value, long epoch)
        where TKey : notnull
        where TValue : class
    {
        ArgumentNullException.ThrowIfNull(cache);
        cache.Set(key, value);
        if (Epoch != epoch)
        {
            cache.Remove(key, value);
        }
    }

    public void Dispose() => _subscription.Dispose();

    private void OnRevocation(RevocationEvent revocation)
    {
        Interlocked.Increment(ref _epoch);
        if (revocation.Resynchronize)
        {
            Owners.Clear();
            Keys.Clear();
            UnknownKeys.Clear();
            Tokens.Clear();
            return;
        }

        // One key or everything: either way the owner's cached credentials must be checked again.
        if (Owners.TryGet(revocation.Owner, out var state))
        {
            Owners.Remove(revocation.Owner, state);
        }
    }
}
