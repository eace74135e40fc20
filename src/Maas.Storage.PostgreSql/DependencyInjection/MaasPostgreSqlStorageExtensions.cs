using System.Security.Cryptography;
using Maas;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Revocation;
using Maas.Storage.PostgreSql;
using Maas.Storage.PostgreSql.Revocation;
using Maas.Storage.PostgreSql.Signing;
using Maas.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <c>external</c> key store: PostgreSQL shared by every replica.</summary>
public static class MaasPostgreSqlStorageExtensions
{
    /// <summary>
    /// Keeps key metadata and the token signing keys in PostgreSQL, so every replica sees every
    /// key and verifies every token; revocations reach the other replicas' caches through
    /// LISTEN/NOTIFY (a hosted service keeps the listening connection). The options bind from
    /// <c>Storage:PostgreSql</c> of the configuration given to <c>AddMaas</c>, then
    /// <paramref name="configure"/> applies; they are validated at start. Migrations run under an
    /// advisory lock when the host starts (a hosted service), so an unreachable or newer database
    /// stops start-up. Idempotent; a store registered earlier wins.
    /// </summary>
    public static MaasBuilder UsePostgreSqlStorage(this MaasBuilder builder, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PostgreSqlStorageOptions>();
        if (builder.Configuration is not null)
        {
            options.Bind(builder.Configuration.GetSection("Storage:PostgreSql"));
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStorageOptions>, PostgreSqlStorageOptionsValidator>());
        services.AddSingleton(sp => new PostgreSqlDataSources(sp.GetRequiredService<IOptions<PostgreSqlStorageOptions>>().Value, sp.GetService<ILoggerFactory>()));
        services.AddSingleton(sp => new PostgreSqlKeyStore(
            sp.GetRequiredService<PostgreSqlDataSources>().Store,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<PostgreSqlKeyStore>>()));
        services.AddSingleton<IKeyStore>(sp => sp.GetRequiredService<PostgreSqlKeyStore>());
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<PostgreSqlKeyStore>());
        services.AddSingleton<DatabaseSigningKeys>();
        services.AddSingleton<ISigningKeyProvider>(sp => sp.GetRequiredService<DatabaseSigningKeys>());
        services.AddHostedService<StorageStartup>();
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

    /// <summary>
    /// Migrates the schema (under the advisory lock) and loads or creates the shared signing keys
    /// when the host starts, before the revocation listener and before Kestrel listens.
    /// </summary>
    private sealed class StorageStartup(PostgreSqlKeyStore store, DatabaseSigningKeys keys) : IHostedLifecycleService
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            try
            {
                await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
                await keys.LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Npgsql.PostgresException or Maas.Storage.Migrations.SchemaTooNewException)
            {
                // An unreachable server is a StoreUnavailableException already; these messages are
                // the server's or the migrator's, never the connection string.
                throw new StoreUnavailableException("The external store cannot be opened: " + ex.Message, ex);
            }
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The signing keys kept in the database, loaded by <see cref="StorageStartup"/> and handed to the key ring.</summary>
    private sealed class DatabaseSigningKeys(PostgreSqlDataSources sources, TimeProvider? time = null, ILogger<PostgreSqlSigningKeyStore>? logger = null) : ISigningKeyProvider, IDisposable
    {
        private IReadOnlyList<ECDsa>? _keys;

        public async Task LoadAsync(CancellationToken cancellationToken)
        {
            var keys = await new PostgreSqlSigningKeyStore(sources.Store, time, logger).LoadOrCreateAsync(cancellationToken).ConfigureAwait(false);
            _keys = [.. keys.Select(k => k.Key)];
        }

        public IReadOnlyList<ECDsa> GetSigningKeys() =>
            Interlocked.Exchange(ref _keys, null)
            ?? throw new InvalidOperationException("The external store's signing keys are read when the host starts: use the Maas services after IHost.StartAsync.");

        public void Dispose()
        {
            foreach (var key in Interlocked.Exchange(ref _keys, null) ?? [])
            {
                key.Dispose();
            }
        }
    }

    private sealed class RevocationListenerService(
        PostgreSqlDataSources sources, RevocationSignal signal, KeyCreationSignal creations, ILogger<PostgreSqlRevocationListener>? logger = null)
        : IHostedService, IAsyncDisposable
    {
        // The system clock, not the injected one: reconnection back-off and pings are real waits
        // on a real server, which a test's fake clock would never let end.
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
