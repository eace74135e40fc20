using Maas;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Storage.Sqlite;
using Maas.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>disk</c> key store: one SQLite file, with the signing key beside it.</summary>
public static class MaasSqliteStorageExtensions
{
    /// <summary>
    /// Keeps key metadata in the SQLite file at <see cref="SqliteKeyStoreOptions.DataPath"/> and the
    /// token signing key in <c>&lt;data-path&gt;.signing-key.pem</c> (mode 0600), so keys and tokens
    /// survive restarts; the audit trail (<c>IAuditLog</c>) is kept in the same file. The options bind from <c>Storage:Sqlite</c> of the configuration given to
    /// <c>AddMaas</c>, then <paramref name="configure"/> applies; they are validated at start. The
    /// file is opened and migrated when the host starts (a hosted service), so a wrong path stops
    /// start-up. Idempotent; a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UseSqliteStorage(this MaasBuilder builder, Action<SqliteKeyStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<SqliteKeyStoreOptions>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection("Storage:Sqlite"));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(IKeyStore)))
        {
            return builder;
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteKeyStoreOptions>, SqliteKeyStoreOptionsValidator>());
        services.AddSingleton(sp => new SqliteKeyStore(
            sp.GetRequiredService<IOptions<SqliteKeyStoreOptions>>().Value,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Maas.Storage.Sqlite"),
            sp.GetService<TimeProvider>()));
        services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<SqliteKeyStore>());
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<SqliteKeyStore>());
        services.AddSingleton<SqliteSigningKeys>();
        services.AddSingleton<ISigningKeyProvider>(sp => sp.GetRequiredService<SqliteSigningKeys>());
        services.AddHostedService<SqliteStorageStartup>();
        return builder;
    }
}
