namespace Maas.ApiKeys;

/// <summary>
/// The administrators' capability of a key store: read any owner's key, search every key, revoke
/// an owner's active keys at once. A store implements it alongside <see cref="IKeyStore"/>; the
/// same instance, registered once as <see cref="IKeyStore"/>, serves both.
/// </summary>
public interface IKeyAdministrationStore
{
    /// <summary>Returns the key with that id whoever owns it, or <see langword="null"/> (administrators read any key).</summary>
    ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Answers a key search: filters, order (then id, same direction; a never-used key last in a
    /// <c>last_used_at</c> sort either way), offset or keyset position, at most
    /// <see cref="ApiKeySearch.Limit"/> keys and whether more match.
    /// </summary>
    ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default);

    /// <summary>
    /// Revokes at <paramref name="at"/> every key of <paramref name="owner"/> active at that instant
    /// (not revoked, not expired) and returns their ids; with <paramref name="dryRun"/> changes
    /// nothing and returns the ids it would revoke. Shared stores announce each revoked key to
    /// every replica, as <see cref="IKeyStore.RevokeAsync"/> does.
    /// </summary>
    ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default);
}
