namespace Maas.ApiKeys;

/// <summary>
/// The usage capability of a key store: validation writes back when keys were last used, and loads
/// every key's hash into its membership filter. A store implements it alongside
/// <see cref="IKeyStore"/>; the same instance, registered once as <see cref="IKeyStore"/>, serves both.
/// </summary>
public interface IKeyUsageStore
{
    /// <summary>Records when keys were last used; an instant earlier than the recorded one is ignored.</summary>
    ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the hash of every key the store holds, of every owner, revoked and expired ones
    /// included: validation builds its membership filter from them, so a made-up key is refused
    /// without a lookup. Keys added while the stream runs may or may not appear. Implementations
    /// read in pages and hold no connection or lock while the caller iterates.
    /// </summary>
    IAsyncEnumerable<byte[]> ListHashesAsync(CancellationToken cancellationToken = default);
}
