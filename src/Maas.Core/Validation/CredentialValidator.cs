using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Maas.Validation;

/// <summary>
/// Answers "who is this, which tier, still valid?" for a presented token or key, remembering
/// answers so that the hot path rarely verifies a signature or reaches the store:
/// <list type="bullet">
/// <item>An API key costs a checksum (a mistyped key stops here, before any cache or store) and
/// one SHA-256; its hash finds a cached record, or a cached "unknown" for
/// <see cref="ValidationOptions.NegativeCacheDuration"/> (kept apart, so made-up keys never evict
/// real ones). The checksum is a public CRC-32, so anyone can make up keys that pass it: the
/// <see cref="KnownKeyFilter"/> refuses those in memory (≥ 99%), and only what it may contain
/// reaches the store.</item>
/// <item>A token is remembered by the SHA-256 of its text once its ES256 signature verified
/// (about 1 µs against about 42 µs), until it expires or its owner's credentials are revoked.</item>
/// <item>Revocations (<see cref="RevocationSignal"/>) invalidate at once; see <see cref="ValidationCache"/>.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>
/// A key created on another replica a moment ago may be used here before its announcement
/// (<see cref="KeyCreationSignal"/>) arrives. A filter miss is therefore not final: up to
/// <see cref="MissLookupsPerSecond"/> misses per second (a burst of as many) still ask the store,
/// and a key found that way joins the filter. Without a flood the new key is found at once; during
/// a flood of made-up keys the budget is spent and the new key is refused until the
/// announcement arrives (milliseconds; at worst until the listener notices its connection is gone
/// and resynchronizes). A flood therefore costs the store at most the budget plus the filter's
/// 1% false positives.
/// </para>
/// <para>
/// Tokens are keyed by SHA-256 rather than a faster keyed non-cryptographic hash: a collision would
/// let one token ride on another's verified entry, and SHA-256 rules that out with no secret
/// per-process key to manage, at a cost small beside the verification it saves. Only the digest is
/// kept, never the token.
/// </para>
/// </remarks>
internal sealed class CredentialValidator : IDisposable
{
    private const int StackLimit = 1024;

    /// <summary>Store lookups per second (and burst) for keys the filter does not know.</summary>
    internal const int MissLookupsPerSecond = 10;

    private static readonly CredentialValidation[] s_refusals = CreateRefusals();

    private readonly JwtTokenReader _tokens;
    private readonly IKeyStore _store;
    private readonly ITierResolver _tiers;
    private readonly TimeProvider _time;
    private readonly ValidationMetrics _metrics;
    private readonly KeyUsageRecorder _usage;
    private readonly TimeSpan _negativeDuration;
    private readonly bool _ownsParts;
    private readonly LookupBudget _missBudget;
    private readonly IDisposable _creations;
    private readonly IDisposable _resynchronizations;

    public CredentialValidator(
        JwtTokenReader tokens,
        IKeyStore store,
        IKeyUsageStore usageStore,
        ITierResolver tiers,
        TimeProvider time,
        RevocationSignal revocations,
        IOptions<MaasOptions> options,
        ValidationMetrics metrics,
        KeyUsageRecorder usage,
        KeyCreationSignal creations,
        ILogger<CredentialValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(usageStore);
        ArgumentNullException.ThrowIfNull(tiers);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(revocations);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(creations);
        _tokens = tokens;
        _store = store;
        _tiers = tiers;
        _time = time;
        _metrics = metrics;
        _usage = usage;
        var validation = options.Value.Validation;
        _negativeDuration = validation.NegativeCacheDuration.ToTimeSpan();
        Cache = new ValidationCache(validation.CacheCapacity, revocations);
        _missBudget = new LookupBudget(MissLookupsPerSecond, MissLookupsPerSecond, time);
        KeyFilter = new KnownKeyFilter(usageStore, time, (ILogger?)logger ?? NullLogger.Instance);
        _creations = creations.Subscribe(hash => KeyFilter.Add(hash.Span));
        _resynchronizations = revocations.Subscribe(revocation =>
        {
            if (revocation.Resynchronize)
            {
                // Key announcements may have been missed too.
                KeyFilter.Reload();
            }
        });
        KeyFilter.Reload();
    }

    /// <summary>
    /// Creates a validator with default settings, its own revocation channel, metrics and usage
    /// recorder (benchmarks and tests that need no host). The store keeps usage too (every shipped store does).
    /// </summary>
    internal CredentialValidator(JwtTokenReader tokens, IKeyStore store, ITierResolver tiers, TimeProvider time)
        : this(tokens, store, (IKeyUsageStore)store, tiers, time, new RevocationSignal(), Options.Create(new MaasOptions()))
    {
    }

    private CredentialValidator(JwtTokenReader tokens, IKeyStore store, IKeyUsageStore usageStore, ITierResolver tiers, TimeProvider time, RevocationSignal revocations, IOptions<MaasOptions> options)
        : this(tokens, store, usageStore, tiers, time, revocations, options, new ValidationMetrics(null), new KeyUsageRecorder(usageStore, time, options, NullLogger<KeyUsageRecorder>.Instance), new KeyCreationSignal())
    {
        _ownsParts = true;
    }

    /// <summary>Gets the caches, for tests and diagnostics.</summary>
    internal ValidationCache Cache { get; }

    /// <summary>Gets the membership filter of existing keys.</summary>
    internal KnownKeyFilter KeyFilter { get; }

    /// <summary>Gets the recorder of key usage.</summary>
    internal KeyUsageRecorder Usage => _usage;

    public ValueTask<CredentialValidation> ValidateAsync(string credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return ApiKeyFormat.HasPrefix(credential)
            ? ValidateKey(credential, cancellationToken)
            : ValidateToken(credential, cancellationToken);
    }

    /// <summary>Adds a key created by this process to the membership filter (before its creator hears of it).</summary>
    internal void KeyCreated(ReadOnlySpan<byte> hash) => KeyFilter.Add(hash);

    public void Dispose()
    {
        _creations.Dispose();
        _resynchronizations.Dispose();
        Cache.Dispose();
        if (_ownsParts)
        {
            _usage.Dispose();
            _metrics.Dispose();
        }
    }

    private ValueTask<CredentialValidation> ValidateKey(string credential, CancellationToken cancellationToken)
    {
        Span<byte> hash = stackalloc byte[ApiKeyFormat.HashLength];
        if (!ApiKeyFormat.TryParse(credential, out var keyId, hash, out var failure))
        {
            // Made up or mistyped: refused on the checksum, before any cache or store.
            return new(Done(CredentialKind.ApiKey, Refusal(failure, CredentialKind.ApiKey)));
        }

        var cacheKey = new Hash256(hash);
        if (Cache.Keys.TryGet(cacheKey, out var known)
            && string.Equals(known.Id, keyId, StringComparison.Ordinal)
            && Cache.Owners.TryGet(known.Owner, out var owner)
            && owner.Version == known.OwnerVersion)
        {
            _metrics.CacheHit(CredentialKind.ApiKey);
            return new(Evaluate(known, owner, _time.GetUtcNow()));
        }

        if (Cache.UnknownKeys.TryGet(cacheKey, out var unknown) && _time.GetUtcNow() < unknown.Until)
        {
            _metrics.CacheHit(CredentialKind.ApiKey);
            return new(Done(CredentialKind.ApiKey, Refusal(ValidationFailure.Unknown, CredentialKind.ApiKey)));
        }

        if (!KeyFilter.MayContain(hash) && !_missBudget.TryTake())
        {
            // Not a key this replica has heard of, and the lookups for brand-new keys are spent:
            // refused in memory, and nothing cached (the filter is the memory of it).
            _metrics.CacheHit(CredentialKind.ApiKey);
            return new(Done(CredentialKind.ApiKey, Refusal(ValidationFailure.Unknown, CredentialKind.ApiKey)));
        }

        _metrics.CacheMiss(CredentialKind.ApiKey);
        return LookUpKeyAsync(keyId, hash.ToArray(), cacheKey, cancellationToken);
    }

    private async ValueTask<CredentialValidation> LookUpKeyAsync(string keyId, byte[] hash, Hash256 cacheKey, CancellationToken cancellationToken)
    {
        var epoch = Cache.Epoch;
        var record = await _store.FindByHashAsync(hash, cancellationToken).ConfigureAwait(false);
        if (record is null
            || !string.Equals(record.Id, keyId, StringComparison.Ordinal)
            || !ApiKeyFormat.HashesEqual(record.Hash, hash))
        {
            Cache.Insert(Cache.UnknownKeys, cacheKey, new UnknownApiKey(_time.GetUtcNow() + _negativeDuration), epoch);
            return Done(CredentialKind.ApiKey, Refusal(ValidationFailure.Unknown, CredentialKind.ApiKey));
        }

        // Found, so it exists: a key whose announcement has not arrived yet joins the filter now.
        KeyFilter.Add(hash);
        var owner = await GetOwnerAsync(record.Owner, cancellationToken).ConfigureAwait(false);
        var known = new KnownApiKey(
            record.Id,
            record.Owner,
            record.CreatedAt,
            record.ExpiresAt,
            record.RevokedAt,
            owner.Version,
            Accept(CredentialKind.ApiKey, record.Owner, record.OwnerGroups, record.Id, record.CreatedAt, record.ExpiresAt, record.Labels, record.Limits, record.Subscription));
        Cache.Insert(Cache.Keys, cacheKey, known, epoch);
        return Evaluate(known, owner, _time.GetUtcNow());
    }

    private CredentialValidation Evaluate(KnownApiKey key, OwnerState owner, DateTimeOffset now)
    {
        // Revoked wins over expired, as in ApiKeyRecord.StatusAt. A key created while a revoke-all
        // was in flight may have escaped the marking: the owner's revoked-before instant is the authority.
        ValidationFailure failure;
        if (key.RevokedAt is not null || (owner.RevokedBefore is { } before && key.CreatedAt < before))
        {
            failure = ValidationFailure.Revoked;
        }
        else if (now >= key.ExpiresAt)
        {
            failure = ValidationFailure.Expired;
        }
        else
        {
            if (key.Accepted.IsValid)
            {
                _usage.Record(key.Id, now);
            }

            return Done(CredentialKind.ApiKey, key.Accepted);
        }

        return Done(CredentialKind.ApiKey, Refusal(failure, CredentialKind.ApiKey));
    }

    private ValueTask<CredentialValidation> ValidateToken(string credential, CancellationToken cancellationToken)
    {
        if (credential.Length is 0 or > JwtTokenReader.MaxTokenLength)
        {
            return new(Done(CredentialKind.Token, Refusal(ValidationFailure.Malformed, CredentialKind.Unknown)));
        }

        var cacheKey = HashToken(credential);
        if (Cache.Tokens.TryGet(cacheKey, out var entry)
            && Cache.Owners.TryGet(entry.Subject, out var owner)
            && owner.Version == entry.OwnerVersion)
        {
            _metrics.CacheHit(CredentialKind.Token);
            return new(Evaluate(entry, owner, _time.GetUtcNow()));
        }

        _metrics.CacheMiss(CredentialKind.Token);
        return VerifyTokenAsync(credential, cacheKey, cancellationToken);
    }

    private async ValueTask<CredentialValidation> VerifyTokenAsync(string credential, Hash256 cacheKey, CancellationToken cancellationToken)
    {
        var epoch = Cache.Epoch;
        var reading = await _tokens.ReadAsync(credential).ConfigureAwait(false);
        if (!reading.IsValid)
        {
            var failure = reading.Failure;
            return Done(CredentialKind.Token, Refusal(failure, failure == ValidationFailure.Malformed ? CredentialKind.Unknown : CredentialKind.Token));
        }

        var claims = reading.Claims;

        var owner = await GetOwnerAsync(claims.Subject, cancellationToken).ConfigureAwait(false);
        var entry = new TokenCacheEntry(
            claims.Subject,
            claims.NotBefore,
            claims.ExpiresAt,
            claims.IssuedInstant,
            owner.Version,
            Accept(CredentialKind.Token, claims.Subject, claims.Groups, claims.Id, claims.IssuedInstant, claims.ExpiresAt));
        Cache.Insert(Cache.Tokens, cacheKey, entry, epoch);
        return Evaluate(entry, owner, _time.GetUtcNow());
    }

    private CredentialValidation Evaluate(TokenCacheEntry token, OwnerState owner, DateTimeOffset now)
    {
        if (now >= token.ExpiresAt || now < token.NotBefore)
        {
            var failure = now < token.NotBefore ? ValidationFailure.NotYetValid : ValidationFailure.Expired;
            return Done(CredentialKind.Token, Refusal(failure, CredentialKind.Token));
        }

        if (owner.RevokedBefore is { } before && token.IssuedInstant < before)
        {
            return Done(CredentialKind.Token, Refusal(ValidationFailure.Revoked, CredentialKind.Token));
        }

        return Done(CredentialKind.Token, token.Accepted);
    }

    private async ValueTask<OwnerState> GetOwnerAsync(string owner, CancellationToken cancellationToken)
    {
        if (Cache.Owners.TryGet(owner, out var state))
        {
            return state;
        }

        var epoch = Cache.Epoch;
        var revokedBefore = await _store.GetRevokedBeforeAsync(owner, cancellationToken).ConfigureAwait(false);
        if (Cache.Owners.TryGet(owner, out state))
        {
            // Another check got there first; keep its version so its entries stay usable.
            return state;
        }

        state = new OwnerState(revokedBefore, Cache.NextVersion());
        Cache.Insert(Cache.Owners, owner, state, epoch);
        return state;
    }

    private CredentialValidation Accept(
        CredentialKind kind,
        string owner,
        IReadOnlyList<string> groups,
        string id,
        DateTimeOffset issuedAt,
        DateTimeOffset expiresAt,
        IReadOnlyDictionary<string, string>? labels = null,
        ApiKeys.ApiKeyLimits? keyLimits = null,
        string? subscription = null)
    {
        // Decided once per lookup and cached with the key: a call on a cached key pays nothing for it.
        var tier = subscription is null ? _tiers.Resolve(groups) : _tiers.ResolveSubscription(subscription, groups);
        if (tier is null)
        {
            // A key bound to a tier its owner lost (or that is gone) is refused naming it, never moved to another tier.
            return subscription is null
                ? Refusal(ValidationFailure.NoTier, kind)
                : new CredentialValidation { Failure = ValidationFailure.NotEntitled, Kind = kind, Subscription = subscription };
        }

        return new CredentialValidation
        {
            Failure = ValidationFailure.None,
            Kind = kind,
            User = new MaasUser(owner, groups) { FromApiKey = kind == CredentialKind.ApiKey },
            Tier = tier,
            Id = id,
            IssuedAt = issuedAt,
            ExpiresAt = expiresAt,
            Labels = labels ?? ApiKeys.ApiKeyLabels.None,
            KeyLimits = keyLimits,
            Subscription = subscription,
        };
    }

    private CredentialValidation Done(CredentialKind kind, CredentialValidation result)
    {
        _metrics.Validated(kind, result.Failure);
        return result;
    }

    private static Hash256 HashToken(string token)
    {
        byte[]? rented = null;
        var length = Encoding.UTF8.GetMaxByteCount(token.Length);
        var bytes = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(token, bytes);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], digest);
            return new Hash256(digest);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // Refusals carry nothing but the reason and kind: one shared instance each.
    private static CredentialValidation Refusal(ValidationFailure failure, CredentialKind kind) =>
        s_refusals[((int)failure * 3) + (int)kind];

    private static CredentialValidation[] CreateRefusals()
    {
        var failures = Enum.GetValues<ValidationFailure>();
        var refusals = new CredentialValidation[failures.Length * 3];
        foreach (var failure in failures)
        {
            foreach (var kind in Enum.GetValues<CredentialKind>())
            {
                refusals[((int)failure * 3) + (int)kind] = CredentialValidation.Refused(failure, kind);
            }
        }

        return refusals;
    }
}
