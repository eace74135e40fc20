using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Maas.ApiKeys;
using Maas.Models;
using Maas.Revocation;
using Maas.Storage.InMemory;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Core.Tests.Validation;

/// <summary>A <see cref="MaasService"/> and its validator over an in-memory store that counts calls, on a fake clock.</summary>
internal sealed class ValidationTestContext : IDisposable
{
    public static readonly DateTimeOffset Start = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(4_321);

    public static readonly MaasUser Alice = new("alice", ["system:authenticated", "tier-premium-users"]);

    public static readonly MaasUser Bob = new("bob", ["system:authenticated"]);

    public ValidationTestContext(int capacity = 1_000, TimeSpan? negativeDuration = null, ITierResolver? tiers = null)
    {
        Options = Microsoft.Extensions.Options.Options.Create(new MaasOptions());
        Options.Value.Validation.CacheCapacity = capacity;
        if (negativeDuration is { } negative)
        {
            Options.Value.Validation.NegativeCacheDuration = Maas.Durations.GoDuration.FromTimeSpan(negative);
        }

        Keys = new SigningKeyRing([SigningKeyRing.GenerateKey()], Time, Options.Value.Tokens.Maximum.ToTimeSpan());
        var issuer = new JwtTokenIssuer(Keys, Options, Time);
        Reader = new JwtTokenReader(Keys, Options, Time);
        Tiers = tiers ?? new TierResolver(DefaultTiers.Create());
        Metrics = new ValidationMetrics(Meters);
        Usage = new KeyUsageRecorder(Store, Time, Options, NullLogger<KeyUsageRecorder>.Instance);
        Validator = new CredentialValidator(Reader, Store, Tiers, Time, Signal, Options, Metrics, Usage, Creations);
        Service = new MaasService(Options, Tiers, issuer, Store, new ConfiguredModelCatalog(Options), Signal, Validator, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public IOptions<MaasOptions> Options { get; }

    public SigningKeyRing Keys { get; }

    public JwtTokenReader Reader { get; }

    public ITierResolver Tiers { get; }

    public CountingKeyStore Store { get; } = new(InMemoryStorage.CreateKeyStore());

    public RevocationSignal Signal { get; } = new();

    public KeyCreationSignal Creations { get; } = new();

    public TestMeterFactory Meters { get; } = new();

    public ValidationMetrics Metrics { get; }

    public KeyUsageRecorder Usage { get; }

    public CredentialValidator Validator { get; }

    public MaasService Service { get; }

    public ValueTask<CredentialValidation> ValidateAsync(string credential) => Validator.ValidateAsync(credential, CancellationToken.None);

    public async Task<(string Key, string Id)> CreateKeyAsync(MaasUser? user = null, TimeSpan? lifetime = null)
    {
        var created = await Service.CreateApiKeyAsync(user ?? Alice, new ApiKeyRequest
        {
            Name = "test",
            Expiration = lifetime is { } l ? Maas.Durations.GoDuration.FromTimeSpan(l) : null,
        });
        return (created.Key, created.Record.Id);
    }

    public async Task<IssuedToken> IssueTokenAsync(MaasUser? user = null, TimeSpan? lifetime = null) =>
        await Service.IssueTokenAsync(user ?? Alice, lifetime is { } l ? Maas.Durations.GoDuration.FromTimeSpan(l) : null);

    public void Dispose()
    {
        Validator.Dispose();
        Usage.Dispose();
        Metrics.Dispose();
        Meters.Dispose();
        Keys.Dispose();
    }
}

/// <summary>Wraps a store: counts calls per hash and per owner, and can hold a read back until released.</summary>
internal sealed class CountingKeyStore(IKeyStore inner) : IKeyStore
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

    public ValueTask AddAsync(ApiKeyRecord key, CancellationToken cancellationToken = default) => inner.AddAsync(key, cancellationToken);

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default) => inner.ListAsync(owner, cancellationToken);

    public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default) => inner.GetAsync(owner, id, cancellationToken);

    public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) =>
        inner.RevokeAsync(owner, id, revokedAt, cancellationToken);

    public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default) =>
        inner.RevokeAllAsync(owner, revokedBefore, cancellationToken);

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
        await foreach (var hash in inner.ListHashesAsync(cancellationToken))
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

    public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _recordUsage);
        if (FailUsage is { } failure)
        {
            return ValueTask.FromException(failure);
        }

        Usages.Enqueue(usages);
        return inner.RecordUsageAsync(usages, cancellationToken);
    }

    private async Task WaitForGateAsync()
    {
        if (Gate is { } gate)
        {
            ReadStarted.TrySetResult();
            await gate;
        }
    }
}

/// <summary>An <see cref="IMeterFactory"/> whose meters <see cref="Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector{T}"/> can find by scope.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in _meters)
        {
            meter.Dispose();
        }
    }
}
