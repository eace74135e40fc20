using Maas.Auditing;

namespace Maas.ApiKeys;

/// <summary>
/// Keeps API key metadata and per-user revocation instants: what every key store does (create,
/// list, read, revoke, rotate, and the lookups validation makes). What a host needs beyond that is
/// a capability of its own, which a store implements alongside this interface:
/// <see cref="IKeyAdministrationStore"/> (search, bulk revoke), <see cref="IKeyUsageStore"/>
/// (last-used write-back, the hash listing) and <see cref="IAuditLog"/> (the audit trail). Every
/// implementation passes the same conformance suite (the <c>Maas.Storage.SpecificationTests</c>
/// package): owners are isolated, nothing acknowledged is lost, history is kept.
/// </summary>
public interface IKeyStore
{
    /// <summary>
    /// Stores a new key and, when <paramref name="audit"/> is given, appends that entry to the
    /// store's audit trail in the same atomic operation (one transaction on SQL stores): either both
    /// are stored or neither is, so no key exists that the trail does not show. Throws
    /// <see cref="DuplicateKeyException"/> when the id or hash exists (nothing is stored, the entry
    /// neither). A key created at or before the owner's revoked-before instant is stored revoked at
    /// that instant (it raced a revoke-all).
    /// </summary>
    /// <param name="key">The key to store.</param>
    /// <param name="audit">The entry recording the key's creation, or <see langword="null"/> to store the key alone (imports, tests).</param>
    /// <param name="cancellationToken">Cancels the add; a cancelled add stores nothing, or everything if it already committed.</param>
    ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default);

    /// <summary>Lists an owner's keys, newest first (ties broken by id, descending).</summary>
    IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>Returns the owner's key with that id, or <see langword="null"/> if it does not exist or belongs to someone else.</summary>
    ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes one of the owner's keys at <paramref name="revokedAt"/>. Returns <see langword="false"/>
    /// when the key does not exist or belongs to someone else; revoking a revoked key returns
    /// <see langword="true"/> and keeps the first revocation instant.
    /// </summary>
    ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that every credential of <paramref name="owner"/> issued before <paramref name="revokedBefore"/>
    /// is revoked, and marks the owner's unrevoked keys created up to that instant revoked at it.
    /// The recorded instant only moves forward. Returns how many keys were newly marked.
    /// </summary>
    ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default);

    /// <summary>Finds a key of any owner by the SHA-256 hash of its secret, or <see langword="null"/>.</summary>
    ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default);

    /// <summary>Returns the owner's "revoked before" instant, or <see langword="null"/> if they never revoked everything.</summary>
    ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rotates one of the owner's keys in one atomic operation (one transaction on SQL stores):
    /// checks the old key is the owner's, not revoked, not already replaced and not expired at
    /// <see cref="KeyRotation.At"/>; then stores the replacement (revoked at once if it raced a
    /// revoke-all, as <see cref="AddAsync"/>), sets the old key's expiry to the earlier of its own and
    /// <see cref="KeyRotation.GraceEndsAt"/> and its <see cref="ApiKeyRecord.ReplacedBy"/>, appends
    /// <see cref="KeyRotation.Audit"/> to the store's audit trail, and tells every replica the old
    /// key changed (as a revocation of it). Any other outcome changes nothing. Throws
    /// <see cref="DuplicateKeyException"/> when the replacement's id or hash exists.
    /// </summary>
    ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default);
}
