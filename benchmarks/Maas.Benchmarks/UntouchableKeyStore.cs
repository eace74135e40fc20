using Maas.ApiKeys;

namespace Maas.Benchmarks;

/// <summary>A store that fails every call: a benchmark run over it proves the measured path never touches the store.</summary>
internal sealed class UntouchableKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore
{
    public ValueTask AddAsync(ApiKeyRecord key, Maas.Auditing.AuditEntry? audit = null, CancellationToken cancellationToken = default) => throw Touched();

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default) => throw Touched();

    public IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<byte[]>();

    public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default) => throw Touched();

    public ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default) => throw Touched();

    private static InvalidOperationException Touched() => new("The store was touched on a path that must not touch it.");
}
