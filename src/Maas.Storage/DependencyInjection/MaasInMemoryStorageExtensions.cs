using Maas;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>in-memory</c> key store.</summary>
public static class MaasInMemoryStorageExtensions
{
    /// <summary>
    /// Keeps key metadata and the audit trail (<see cref="IAuditLog"/>) in process memory: fast and
    /// safe for concurrent callers, but lost on restart and not shared between replicas. Idempotent;
    /// a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UseInMemoryStorage(this MaasBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(IKeyStore)))
        {
            return builder;
        }

        builder.Services.AddSingleton<InMemoryKeyStore>();
        builder.Services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<InMemoryKeyStore>());
        builder.Services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<InMemoryKeyStore>());
        return builder;
    }
}
