using System.Security.Cryptography;
using Maas;
using Maas.ApiKeys;
using Maas.Storage.Sqlite;
using Maas.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>disk</c> key store: one SQLite file, with the signing key beside it.</summary>
public static class MaasSqliteStorageExtensions
{
    /// <summary>
    /// Keeps key metadata in the SQLite file at <see cref="SqliteKeyStoreOptions.DataPath"/> and the
    /// token signing key in <c>&lt;data-path&gt;.signing-key.pem</c> (mode 0600), so keys and tokens
    /// survive restarts. The file is opened and migrated when the store is first resolved; resolve
    /// <see cref="IKeyStore"/> at start to fail fast. Idempotent; a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UseSqliteStorage(this MaasBuilder builder, Action<SqliteKeyStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteKeyStoreOptions();
        configure(options);
        if (string.IsNullOrWhiteSpace(options.DataPath))
        {
            throw new ArgumentException("The SQLite data path must not be empty.", nameof(configure));
        }

        // Opening is synchronous file I/O behind an async API; it runs once, at first resolution,
        // where no synchronization context exists.
        builder.Services.TryAddSingleton<IKeyStore>(sp => SqliteStorage.OpenKeyStoreAsync(
                options,
                sp.GetService<ILoggerFactory>()?.CreateLogger("Maas.Storage.Sqlite"),
                sp.GetService<TimeProvider>())
            .GetAwaiter().GetResult());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ISigningKeyProvider>(new SigningKeyFileProvider(options.DataPath)));
        return builder;
    }

    private sealed class SigningKeyFileProvider(string dataPath) : ISigningKeyProvider
    {
        public IReadOnlyList<ECDsa> GetSigningKeys() => SigningKeyFile.LoadOrCreateAsync(dataPath).GetAwaiter().GetResult();
    }
}
