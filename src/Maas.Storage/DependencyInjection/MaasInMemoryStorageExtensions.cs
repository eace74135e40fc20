using Maas;
using Maas.ApiKeys;
using Maas.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>in-memory</c> key store.</summary>
public static class MaasInMemoryStorageExtensions
{
    /// <summary>
    /// Keeps key metadata in process memory: fast and safe for concurrent callers, but lost on
    /// restart and not shared between replicas. Idempotent; a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UseInMemoryStorage(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IKeyStore>(_ => InMemoryStorage.CreateKeyStore());
        return builder;
    }
}
