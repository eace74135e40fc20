using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Usage;

namespace Maas.Testing;

/// <summary>Wraps a store: counts calls per hash and per owner, and can hold a read back until released.</summary>
public sealed class CountingKeyStore(IKeyStore inner) : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog, IUsageLedger, IEphemeralKeyStore, IKeyLimitsStore
{
    private int _findByHash;
    private int _revokedBefore;
    private int _recordUsage;

    public ConcurrentDictionary<string, int> FindsByHash { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<IReadOnlyCollection<KeyUsage>> Usages { get; } = new();

    public int FindByHashCalls => Volatile.Read(ref _findByHash);

    public int RevokedBeforeCalls => Volatile.Read(ref _revokedBefore);

    public int RecordUsageCalls => Volatile.Read(ref _recordUsage);

    /// <summary>When set, reads complete with what the store held when called, but only once this task completes.</summary>
    public Task? Gate { get; set; }

    /// <summary>Completes when a gated read has read the store.</summary>
    public TaskCompletionSource ReadStarted { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? FailUsage { get; set; }

    /// <summary>When set, rewrites what a hash lookup found (a store that misbehaves).</summary>
    public Func<ApiKeyRecord, ApiKeyRecord>? AlterFound { get; set; }

    // The wrapped store's capabilities (the in-memory and SQL stores implement every one).
    private IKeyAdministrationStore Administration => (IKeyAdministrationStore)inner;

    private IKeyUsageStore Usage => (IKeyUsageStore)inner;

    private IUsageLedger Ledger => (IUsageLedger)inner;

    /// <summary>When set, every add fails with it and stores nothing (a store whose transaction cannot commit).</summary>
    public Exception? FailAdd { get; set; }

    public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default) =>
        FailAdd is { } failure ? ValueTask.FromException(failure) : inner.AddAsync(key, audit, cancellationToken);

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

    public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => inner.GetAsync(owner, id, cancellationToken);

    public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) =>
        inner.RevokeAsync(owner, id, revokedAt, cancellationToken);

    public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) =>
        inner.RevokeAllAsync(owner, revokedBefore, cancellationToken);

    public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => Administration.FindByIdAsync(id, cancellationToken);

    public ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default) => Administration.SearchAsync(search, cancellationToken);

    public ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default) =>
        Administration.RevokeActiveAsync(owner, at, dryRun, cancellationToken);

    public async ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _findByHash);
        FindsByHash.AddOrUpdate(Convert.ToHexString(hash.Span), 1, (_, n) => n + 1);
        var record = await inner.FindByHashAsync(hash, cancellationToken);
        await WaitForGateAsync();
        return record is not null && AlterFound is { } alter ? alter(record) : record;
    }

    /// <summary>Reads every hash first, then waits for <see cref="Gate"/> (so a key added meanwhile is missing from the answer).</summary>
    public async IAsyncEnumerable<byte[]> ListHashesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var hashes = new List<byte[]>();
        await foreach (var hash in Usage.ListHashesAsync(cancellationToken))
        {
            hashes.Add(hash);
        }

        await WaitForGateAsync();
        foreach (var hash in hashes)
        {
            yield return hash;
        }
    }

    public async ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _revokedBefore);
        var revokedBefore = await inner.GetRevokedBeforeAsync(owner, cancellationToken);
        await WaitForGateAsync();
        return revokedBefore;
    }

    /// <summary>Appends to the wrapped store's audit trail (the in-memory and SQL stores keep one).</summary>
    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        ((IAuditLog)inner).AppendAsync(entry, cancellationToken);

    /// <summary>Reads the wrapped store's audit trail.</summary>
    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        ((IAuditLog)inner).QueryAsync(query, cancellationToken);

    public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default) =>
        inner.RotateAsync(rotation, cancellationToken);

    public ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default) =>
        ((IKeyLimitsStore)inner).SetLimitsAsync(id, limits, audit, cancellationToken);

    public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _recordUsage);
        if (FailUsage is { } failure)
        {
            return ValueTask.FromException(failure);
        }

        Usages.Enqueue(usages);
        return Usage.RecordUsageAsync(usages, cancellationToken);
    }

    private async Task WaitForGateAsync()
    {
        if (Gate is { } gate)
        {
            ReadStarted.TrySetResult();
            await gate;
        }
    }

    public ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default) =>
        Ledger.AppendAsync(batch, cancellationToken);

    public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default) =>
        Ledger.QueryAsync(query, cancellationToken);

    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) =>
        Ledger.DeleteBeforeAsync(before, cancellationToken);

    public ValueTask<int> DeleteExpiredEphemeralAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken = default) =>
        ((IEphemeralKeyStore)inner).DeleteExpiredEphemeralAsync(expiredBefore, limit, cancellationToken);

    public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default) =>
        Ledger.ReportAsync(query, cancellationToken);
}
