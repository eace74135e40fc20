using Maas.Auditing;

namespace Maas.ApiKeys;

/// <summary>
/// The capability of a key store to change a key's own limits (<see cref="ApiKeyRecord.Limits"/>)
/// after creation, for administrators. A store implements it alongside <see cref="IKeyStore"/>;
/// the same instance, registered once as <see cref="IKeyStore"/>, serves both.
/// </summary>
public interface IKeyLimitsStore
{
    /// <summary>
    /// Sets the limits of the key <paramref name="id"/> (whoever owns it; <see langword="null"/> clears
    /// them) and appends <paramref name="audit"/> in the same operation: both or neither. Shared
    /// stores announce the change to every replica as they announce a revocation, so each drops what
    /// it cached about the key. Returns the key as it was before, or <see langword="null"/> (and
    /// changes and appends nothing) when no key has that id.
    /// </summary>
    ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default);
}
