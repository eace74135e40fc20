using System.Security.Cryptography;
using Maas;
using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Storage.PostgreSql;
using Maas.Storage.PostgreSql.Revocation;
using Maas.Storage.PostgreSql.Signing;
using Maas.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>external</c> key store: PostgreSQL shared by every replica.</summary>
public static class MaasPostgreSqlStorageExtensions
{
    /// <summary>
    /// Keeps key metadata and the token signing keys in PostgreSQL, so every replica sees every
    /// key and verifies every token; revocations reach the other replicas' caches through
    /// LISTEN/NOTIFY (a hosted service keeps the listening connection). Migrations run under an
    /// advisory lock when the store is first resolved; resolve <see cref="IKeyStore"/> at start to
    /// fail fast. Idempotent; a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UsePostgreSqlStorage(this MaasBuilder builder, Action<PostgreSqlStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new PostgreSqlStorageOptions();
        configure(options);

        // Fails here, naming the bad parameter, rather than at the first request.
        _ = PostgreSqlDataSourceFactory.BuildConnectionString(options);

        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(PostgreSqlDataSources)))
        {
            return builder;
        }

        services.AddSingleton(sp => new PostgreSqlDataSources(options, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IKeyStore>(sp =>
        {
            var store = new PostgreSqlKeyStore(
                sp.GetRequiredService<PostgreSqlDataSources>().Store,
                TimeProvider.System,
                sp.GetService<ILogger<PostgreSqlKeyStore>>());
            store.InitializeAsync().GetAwaiter().GetResult();
            return store;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISigningKeyProvider, DatabaseSigningKeyProvider>());
        services.AddHostedService<RevocationListenerService>();
        return builder;
    }

    /// <summary>The pooled source of the store and the unpooled one of the listener.</summary>
    private sealed class PostgreSqlDataSources(PostgreSqlStorageOptions options, ILoggerFactory? loggerFactory) : IAsyncDisposable
    {
        public PostgreSqlStorageOptions Options { get; } = options;

        public Npgsql.NpgsqlDataSource Store { get; } = PostgreSqlDataSourceFactory.Create(options, loggerFactory);

        public Npgsql.NpgsqlDataSource Listener { get; } = PostgreSqlDataSourceFactory.CreateForListener(options, loggerFactory);

        public async ValueTask DisposeAsync()
        {
            await Store.DisposeAsync().ConfigureAwait(false);
            await Listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class DatabaseSigningKeyProvider(PostgreSqlDataSources sources, IKeyStore store, ILogger<PostgreSqlSigningKeyStore>? logger = null) : ISigningKeyProvider
    {
        public IReadOnlyList<ECDsa> GetSigningKeys()
        {
            _ = store; // the schema (and its signing_keys table) exists once the store is resolved
            var keys = new PostgreSqlSigningKeyStore(sources.Store, TimeProvider.System, logger).LoadOrCreateAsync().GetAwaiter().GetResult();
            return [.. keys.Select(k => k.Key)];
        }
    }

    private sealed class RevocationListenerService(
        PostgreSqlDataSources sources, RevocationSignal signal, KeyCreationSignal creations, ILogger<PostgreSqlRevocationListener>? logger = null)
        : IHostedService, IAsyncDisposable
    {
        private readonly PostgreSqlRevocationListener _listener = new(sources.Listener, signal, TimeProvider.System, logger, creations)
        {
            PingInterval = sources.Options.ListenerPingInterval,
            PingTimeout = sources.Options.ListenerPingTimeout,
        };

        public Task StartAsync(CancellationToken cancellationToken) => _listener.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => _listener.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => _listener.DisposeAsync();
    }
}
