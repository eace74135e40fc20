using System.Collections.ObjectModel;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Usage;

namespace Maas.Storage.InMemory;

/// <summary>
/// The <c>in-memory</c> store: everything in process memory, lost on restart. One lock guards
/// every structure, so each operation is atomic; hash lookup is a dictionary probe and an
/// owner's listing is kept sorted (newest first, then id descending). Instants are kept exactly
/// as given, converted to UTC offsets. It keeps its audit trail too (<see cref="InMemoryAuditLog"/>,
/// under the same lock), so a key and its creation entry, or a rotation and its entry, happen
/// under the one lock.
/// </summary>
internal sealed class InMemoryKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog, IUsageLedger, IEphemeralKeyStore, IKeyLimitsStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ApiKeyRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<byte[], string> _idByHash = new(HashComparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _idBySpan;
    private readonly Dictionary<string, SortedSet<ListingEntry>> _byOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _revokedBefore = new(StringComparer.Ordinal);

    private readonly InMemoryAuditLog _audit;
    private readonly InMemoryUsageLedger _ledger = new();

    public InMemoryKeyStore()
    {
        _idBySpan = _idByHash.GetAlternateLookup<ReadOnlySpan<byte>>();
        _audit = new InMemoryAuditLog(_gate);
    }

    public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = ToStored(key);

        // Under the one lock: a duplicate throws before the entry is appended, so both or neither.
        lock (_gate)
        {
            Insert(stored);
            if (audit is not null)
            {
                _audit.AppendLocked(audit);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static ApiKeyRecord ToStored(ApiKeyRecord key) => key with
    {
        OwnerGroups = new ReadOnlyCollection<string>([.. key.OwnerGroups]),
        Hash = (byte[])key.Hash.Clone(),
        CreatedAt = key.CreatedAt.ToUniversalTime(),
        ExpiresAt = key.ExpiresAt.ToUniversalTime(),
        RevokedAt = key.RevokedAt?.ToUniversalTime(),
        LastUsedAt = key.LastUsedAt?.ToUniversalTime(),
        Labels = key.Labels.Count == 0 ? key.Labels : new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(key.Labels, StringComparer.Ordinal)),
        Limits = key.Limits is null ? null : KeyLimitsCopy(key.Limits),
    };

    // A copy the caller cannot change afterwards (a TierBudget is mutable), as the durable stores' JSON is.
    private static ApiKeyLimits KeyLimitsCopy(ApiKeyLimits limits) => new()
    {
        Requests = limits.Requests,
        TokensPerMinute = limits.TokensPerMinute,
        Budgets = limits.Budgets.Select(b => new Maas.Tiers.TierBudget { Period = b.Period, Tokens = b.Tokens, Requests = b.Requests }).ToList().AsReadOnly(),
    };

    // Under the lock.
    private void Insert(ApiKeyRecord stored)
    {
        if (_byId.ContainsKey(stored.Id) || _idByHash.ContainsKey(stored.Hash))
        {
            throw new DuplicateKeyException();
        }

        // Created up to the owner's revoked-before instant: a revoke-all already covers it.
        if (stored.RevokedAt is null
            && _revokedBefore.TryGetValue(stored.Owner, out var revokedBefore)
            && stored.CreatedAt <= revokedBefore)
        {
            stored = stored with { RevokedAt = revokedBefore };
        }

        _byId.Add(stored.Id, stored);
        _idByHash.Add(stored.Hash, stored.Id);
        if (!_byOwner.TryGetValue(stored.Owner, out var listing))
        {
            listing = new SortedSet<ListingEntry>(ListingEntry.NewestFirst);
            _byOwner.Add(stored.Owner, listing);
        }

        listing.Add(new ListingEntry(stored.CreatedAt, stored.Id));
    }

    public ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        cancellationToken.ThrowIfCancellationRequested();
        var replacement = ToStored(rotation.Replacement);
        lock (_gate)
        {
            if (!_byId.TryGetValue(rotation.KeyId, out var old) || !string.Equals(old.Owner, rotation.Owner, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(new KeyRotationResult { Outcome = KeyRotationOutcome.NotFound });
            }

            var refused = rotation.RefusalFor(old);
            if (refused is { } outcome)
            {
                return ValueTask.FromResult(new KeyRotationResult { Outcome = outcome, Previous = Copy(old) });
            }

            Insert(replacement);
            var updated = rotation.Apply(old);
            updated = updated with { ExpiresAt = updated.ExpiresAt.ToUniversalTime() };
            _byId[old.Id] = updated;
            _audit.AppendLocked(rotation.Audit);
            return ValueTask.FromResult(new KeyRotationResult { Outcome = KeyRotationOutcome.Rotated, Previous = Copy(updated) });
        }
    }

    public ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(audit);
        cancellationToken.ThrowIfCancellationRequested();
        var stored = limits is null ? null : KeyLimitsCopy(limits);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var old))
            {
                return ValueTask.FromResult<ApiKeyRecord?>(null);
            }

            _byId[id] = old with { Limits = stored };
            _audit.AppendLocked(audit);
            return ValueTask.FromResult<ApiKeyRecord?>(Copy(old));
        }
    }

    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _audit.AppendAsync(entry, cancellationToken);

    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _audit.QueryAsync(query, cancellationToken);

    public ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default) => _ledger.AppendAsync(batch, cancellationToken);

    public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default) => _ledger.QueryAsync(query, cancellationToken);

    public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default) => _ledger.ReportAsync(query, cancellationToken);

    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => _ledger.DeleteBeforeAsync(before, cancellationToken);

    public IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ApiKeyRecord[] snapshot;
        lock (_gate)
        {
            if (!_byOwner.TryGetValue(owner, out var listing))
            {
                return AsyncEnumerable.Empty<ApiKeyRecord>();
            }

            snapshot = new ApiKeyRecord[listing.Count];
            var i = 0;
            foreach (var entry in listing)
            {
                snapshot[i++] = Copy(_byId[entry.Id]);
            }
        }

        return snapshot.ToAsyncEnumerable();
    }

    public ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return ValueTask.FromResult(
                _byId.TryGetValue(id, out var key) && string.Equals(key.Owner, owner, StringComparison.Ordinal) ? Copy(key) : null);
        }
    }

    public ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var key) || !string.Equals(key.Owner, owner, StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            if (key.RevokedAt is null)
            {
                _byId[id] = key with { RevokedAt = revokedAt.ToUniversalTime() };
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var instant = revokedBefore.ToUniversalTime();
        lock (_gate)
        {
            if (!_revokedBefore.TryGetValue(owner, out var previous) || previous < instant)
            {
                _revokedBefore[owner] = instant;
            }

            var marked = 0;
            if (_byOwner.TryGetValue(owner, out var listing))
            {
                foreach (var entry in listing)
                {
                    var key = _byId[entry.Id];

                    // Keys created after the instant are new: the revoke-all does not reach them.
                    if (key.RevokedAt is null && key.CreatedAt <= instant)
                    {
                        _byId[entry.Id] = key with { RevokedAt = instant };
                        marked++;
                    }
                }
            }

            return ValueTask.FromResult(marked);
        }
    }

    public ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_idBySpan.TryGetValue(hash.Span, out var id) ? Copy(_byId[id]) : null);
        }
    }

    public IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default)
    {
        byte[][] snapshot;
        lock (_gate)
        {
            snapshot = [.. _byId.Values.Select(k => (byte[])k.Hash.Clone())];
        }

        return snapshot.ToAsyncEnumerable();
    }

    public ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            return ValueTask.FromResult(_revokedBefore.TryGetValue(owner, out var instant) ? instant : (DateTimeOffset?)null);
        }
    }

    public ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usages);
        lock (_gate)
        {
            foreach (var usage in usages)
            {
                if (usage.Id is not null
                    && _byId.TryGetValue(usage.Id, out var key)
                    && (key.LastUsedAt is null || key.LastUsedAt < usage.UsedAt))
                {
                    _byId[usage.Id] = key with { LastUsedAt = usage.UsedAt.ToUniversalTime() };
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            return ValueTask.FromResult(_byId.TryGetValue(id, out var key) ? Copy(key) : null);
        }
    }

    /// <remarks>
    /// A scan of the owner's keys (or every key) under the lock: the in-memory store holds what fits
    /// in memory, and a search is as cheap as sorting the matches.
    /// </remarks>
    public ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var order = new SearchOrder(search.SortBy, search.Descending);
        List<ApiKeyRecord> matches;
        lock (_gate)
        {
            IEnumerable<ApiKeyRecord> candidates = search.Owner is null
                ? _byId.Values
                : _byOwner.TryGetValue(search.Owner, out var listing) ? listing.Select(e => _byId[e.Id]) : [];
            matches = [.. candidates.Where(k => Matches(search, k, order))];
        }

        matches.Sort(order);
        var page = matches.Skip(search.Offset).Take(search.Limit + 1).ToList();
        var hasMore = page.Count > search.Limit;
        return ValueTask.FromResult(new ApiKeyPage([.. page.Take(search.Limit).Select(Copy)], hasMore));
    }

    public ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var instant = at.ToUniversalTime();
        var ids = new List<string>();
        lock (_gate)
        {
            if (_byOwner.TryGetValue(owner, out var listing))
            {
                foreach (var entry in listing)
                {
                    var key = _byId[entry.Id];
                    if (key.StatusAt(instant) == ApiKeyStatus.Active)
                    {
                        ids.Add(key.Id);
                        if (!dryRun)
                        {
                            _byId[key.Id] = key with { RevokedAt = instant };
                        }
                    }
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(ids);
    }

    public ValueTask<int> DeleteExpiredEphemeralAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            // The longest expired first, as the SQL stores delete them.
            var expired = _byId.Values
                .Where(k => k.Ephemeral && k.ExpiresAt < expiredBefore)
                .OrderBy(k => k.ExpiresAt)
                .ThenBy(k => k.Id, StringComparer.Ordinal)
                .Take(limit)
                .ToList();
            foreach (var key in expired)
            {
                _byId.Remove(key.Id);
                _idByHash.Remove(key.Hash);
                if (_byOwner.TryGetValue(key.Owner, out var listing))
                {
                    listing.Remove(new ListingEntry(key.CreatedAt, key.Id));
                    if (listing.Count == 0)
                    {
                        _byOwner.Remove(key.Owner);
                    }
                }
            }

            return ValueTask.FromResult(expired.Count);
        }
    }

    private static bool Matches(ApiKeySearch search, ApiKeyRecord key, SearchOrder order)
    {
        if (key.Ephemeral && !search.IncludeEphemeral)
        {
            return false;
        }

        if (search.Subscription is not null && !string.Equals(key.Subscription, search.Subscription, StringComparison.Ordinal))
        {
            return false;
        }

        if (search.Statuses.Count > 0 && !search.Statuses.Contains(key.StatusAt(search.Now)))
        {
            return false;
        }

        foreach (var (name, value) in search.Labels)
        {
            if (!key.Labels.TryGetValue(name, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return search.After is not { } after || order.IsAfter(key, after);
    }

    // Callers get their own hash array: mutating it must not corrupt the index.
    private static ApiKeyRecord Copy(ApiKeyRecord key) => key with { Hash = (byte[])key.Hash.Clone() };

    private readonly record struct ListingEntry(DateTimeOffset CreatedAt, string Id)
    {
        public static readonly IComparer<ListingEntry> NewestFirst = Comparer<ListingEntry>.Create((x, y) =>
        {
            var byTime = y.CreatedAt.CompareTo(x.CreatedAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(y.Id, x.Id);
        });
    }

    private sealed class HashComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly HashComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }

    /// <summary>
    /// The order of a search: the sort value (names by code point, as UTF-8 bytes compare in the SQL
    /// stores; a never-used key after every used one whatever the direction), then the id, both in
    /// the search's direction.
    /// </summary>
    private sealed class SearchOrder(ApiKeySortField sortBy, bool descending) : IComparer<ApiKeyRecord>
    {
        public int Compare(ApiKeyRecord? x, ApiKeyRecord? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            if (sortBy == ApiKeySortField.LastUsedAt && (x.LastUsedAt is null) != (y.LastUsedAt is null))
            {
                return x.LastUsedAt is null ? 1 : -1;
            }

            var byValue = CompareValues(x, y);
            var result = byValue != 0 ? byValue : string.CompareOrdinal(x.Id, y.Id);
            return descending ? -result : result;
        }

        /// <summary>Whether <paramref name="key"/> comes after the position, in this order.</summary>
        public bool IsAfter(ApiKeyRecord key, ApiKeySearchPosition after)
        {
            var position = key with
            {
                Id = after.Id,
                Name = after.Name ?? key.Name,
                CreatedAt = after.Instant ?? key.CreatedAt,
                ExpiresAt = after.Instant ?? key.ExpiresAt,
                LastUsedAt = after.Instant,
            };
            return Compare(key, position) > 0;
        }

        private int CompareValues(ApiKeyRecord x, ApiKeyRecord y) => sortBy switch
        {
            ApiKeySortField.ExpiresAt => x.ExpiresAt.CompareTo(y.ExpiresAt),
            ApiKeySortField.LastUsedAt => Nullable.Compare(x.LastUsedAt, y.LastUsedAt),
            ApiKeySortField.Name => CompareCodePoints(x.Name, y.Name),
            _ => x.CreatedAt.CompareTo(y.CreatedAt),
        };

        private static int CompareCodePoints(string x, string y)
        {
            var left = x.EnumerateRunes();
            var right = y.EnumerateRunes();
            while (true)
            {
                var hasLeft = left.MoveNext();
                var hasRight = right.MoveNext();
                if (!hasLeft || !hasRight)
                {
                    return hasLeft.CompareTo(hasRight);
                }

                var byRune = left.Current.Value.CompareTo(right.Current.Value);
                if (byRune != 0)
                {
                    return byRune;
                }
            }
        }
    }
}
