using System.Diagnostics;
using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;

namespace Maas.Telemetry;

/// <summary>
/// Wraps the registered <see cref="IKeyStore"/> and its capabilities (<see cref="IKeyAdministrationStore"/>,
/// <see cref="IKeyUsageStore"/>) so that every store call, whatever the storage package, records
/// <c>maas.store.duration</c> and is a <c>store.*</c> span. Only the operation name is recorded:
/// never an owner, key id or hash.
/// </summary>
internal sealed class InstrumentedKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IKeyLimitsStore
{
    private readonly IKeyStore _inner;
    private readonly IKeyAdministrationStore _administration;
    private readonly IKeyUsageStore _usage;
    private readonly MaasMetrics _metrics;
    private readonly TimeProvider _time;

    public InstrumentedKeyStore(IKeyStore inner, IKeyAdministrationStore administration, IKeyUsageStore usage, MaasMetrics metrics, TimeProvider time)
    {
        _inner = inner;
        _administration = administration;
        _usage = usage;
        _metrics = metrics;
        _time = time;
    }

    /// <summary>Gets the store this one records calls to.</summary>
    public IKeyStore Inner => _inner;

    public async ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        var call = Start("add");
        try
        {
            await _inner.AddAsync(key, audit, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
        }
        finally
        {
            Stop(call);
        }
    }

    /// <summary>Sets a key's limits on the inner store, which must implement <see cref="IKeyLimitsStore"/>.</summary>
    public async ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        var store = _inner as IKeyLimitsStore ?? throw new InvalidOperationException($"The key store {_inner.GetType().Name} does not implement {nameof(IKeyLimitsStore)}, which changing a key's limits needs.");
        var call = Start("set_limits");
        try
        {
            var before = await store.SetLimitsAsync(id, limits, audit, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return before;
        }
        finally
        {
            Stop(call);
        }
    }

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) =>
        StreamAsync("list", _inner.ListAsync(owner, cancellationToken), cancellationToken);

    public IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default) =>
        StreamAsync("list_hashes", _usage.ListHashesAsync(cancellationToken), cancellationToken);

    public async ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default)
    {
        var call = Start("get");
        try
        {
            var key = await _inner.GetAsync(owner, id, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return key;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        var call = Start("find_by_id");
        try
        {
            var key = await _administration.FindByIdAsync(id, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return key;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        var call = Start("search");
        try
        {
            var page = await _administration.SearchAsync(search, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return page;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default)
    {
        var call = Start("revoke_active");
        try
        {
            var ids = await _administration.RevokeActiveAsync(owner, at, dryRun, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return ids;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        var call = Start("revoke");
        try
        {
            var revoked = await _inner.RevokeAsync(owner, id, revokedAt, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return revoked;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default)
    {
        var call = Start("revoke_all");
        try
        {
            var count = await _inner.RevokeAllAsync(owner, revokedBefore, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return count;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        var call = Start("find_by_hash");
        try
        {
            var key = await _inner.FindByHashAsync(hash, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return key;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        var call = Start("get_revoked_before");
        try
        {
            var revokedBefore = await _inner.GetRevokedBeforeAsync(owner, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return revokedBefore;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default)
    {
        var call = Start("rotate");
        try
        {
            var result = await _inner.RotateAsync(rotation, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
            return result;
        }
        finally
        {
            Stop(call);
        }
    }

    public async ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        var call = Start("record_usage");
        try
        {
            await _usage.RecordUsageAsync(usages, cancellationToken).ConfigureAwait(false);
            call.Succeeded = true;
        }
        finally
        {
            Stop(call);
        }
    }

    // One store call that streams: timed and traced from the first read to the last.
    private async IAsyncEnumerable<T> StreamAsync<T>(string operation, IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Start(operation);
        try
        {
            await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }

            call.Succeeded = true;
        }
        finally
        {
            Stop(call);
        }
    }

    private StoreCall Start(string operation)
    {
        var activity = MaasMetrics.ActivitySource.StartActivity("store." + operation, ActivityKind.Client);
        activity?.SetTag("maas.store.operation", operation);
        return new StoreCall(operation, _time.GetTimestamp(), activity);
    }

    private void Stop(StoreCall call)
    {
        _metrics.StoreCalled(call.Operation, call.Succeeded, _time.GetElapsedTime(call.Started));
        if (call.Activity is { } activity)
        {
            if (!call.Succeeded)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Dispose();
        }
    }

    private sealed class StoreCall(string operation, long started, Activity? activity)
    {
        public string Operation { get; } = operation;

        public long Started { get; } = started;

        public Activity? Activity { get; } = activity;

        public bool Succeeded { get; set; }
    }
}
