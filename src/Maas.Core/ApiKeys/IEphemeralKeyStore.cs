namespace Maas.ApiKeys;

/// <summary>
/// The sweeping capability of a key store: ephemeral keys are deleted some time after they expire
/// (ordinary keys are kept, revoked and expired ones too, for their history). A store implements it
/// alongside <see cref="IKeyStore"/>; the same instance, registered once as <see cref="IKeyStore"/>,
/// serves both.
/// </summary>
public interface IEphemeralKeyStore
{
    /// <summary>
    /// Deletes at most <paramref name="limit"/> ephemeral keys (revoked or not) that expired before
    /// <paramref name="expiredBefore"/>, and returns how many it deleted. Ordinary keys are never
    /// deleted. A caller that gets <paramref name="limit"/> back calls again for the rest.
    /// </summary>
    ValueTask<int> DeleteExpiredEphemeralAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken = default);
}
