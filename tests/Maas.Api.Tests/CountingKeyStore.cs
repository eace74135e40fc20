using System.Collections.Concurrent;
using Maas.ApiKeys;

namespace Maas.Api.Tests;

/// <summary>Wraps a key store and counts the calls validation makes, per key hash.</summary>
internal sealed class CountingKeyStore(IKeyStore inner) : IKeyStore
{
    private int _findByHash;
    private int _recordUsage;

    public ConcurrentDictionary<string, int> FindsByHash { get; } = new(StringComparer.Ordinal);

    public int FindByHashCalls => Volatile.Read(ref _findByHash);

    public int RecordUsageCalls => Volatile.Read(ref _recordUsage);

    public ValueTask AddAsync(ApiKeyRecord key, CancellationToken cancellationToken = default) => inner.AddAsync(key, cancellationToken);

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

    public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => inner.GetAsync(owner, id, cancellationToken);

    public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) =>
        inner.RevokeAsync(owner, id, revokedAt, cancellationToken);

    public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) =>
        inner.RevokeAllAsync(owner, revokedBefore, cancellationToken);

    public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _findByHash);
        FindsByHash.AddOrUpdate(Convert.ToHexString(hash.Span), 1, (_, n) => n + 1);
        return inner.FindByHashAsync(hash, cancellationToken);
    }

    public IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default) => inner.ListHashesAsync(cancellationToken);

    public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default) =>
        inner.GetRevokedBeforeAsync(owner, cancellationToken);

    public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _recordUsage);
        return inner.RecordUsageAsync(usages, cancellationToken);
    }
}
