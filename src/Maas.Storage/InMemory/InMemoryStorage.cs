using Maas.ApiKeys;

namespace Maas.Storage.InMemory;

/// <summary>Creates the <c>in-memory</c> key store: fast, safe for concurrent callers, lost on restart.</summary>
public static class InMemoryStorage
{
    /// <summary>Creates an empty in-memory key store. It is also its audit trail: cast it to <see cref="Auditing.IAuditLog"/>.</summary>
    /// <returns>A store that keeps everything in process memory.</returns>
    public static IKeyStore CreateKeyStore() => new InMemoryKeyStore();
}
