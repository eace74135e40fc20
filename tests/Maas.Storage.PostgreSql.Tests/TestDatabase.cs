using Maas.ApiKeys;
using Maas.Storage.PostgreSql.Revocation;
using Maas.Revocation;
using Maas.Testing;
using Npgsql;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>A fresh database on the shared server, with the data sources, stores and listeners made on it; disposes them all.</summary>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private TestDatabase(PostgreSqlServer server, string connectionString)
    {
        Server = server;
        ConnectionString = connectionString;
        Name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }

    public PostgreSqlServer Server { get; }

    public string ConnectionString { get; }

    public string Name { get; }

    public string Url => Server.ConnectionUrl(Name);

    public PostgreSqlStorageOptions Options => new() { ConnectionUrl = Url };

    public static async Task<TestDatabase> CreateAsync(PostgreSqlServer server) =>
        new(server, await server.CreateDatabaseAsync());

    public NpgsqlDataSource CreateDataSource(PostgreSqlStorageOptions? options = null) =>
        Own(PostgreSqlDataSourceFactory.Create(options ?? Options));

    /// <summary>Creates a store on its own data source (as another replica would) without migrating.</summary>
    public PostgreSqlKeyStore CreateStore(TimeProvider? timeProvider = null) => new(CreateDataSource(), timeProvider);

    /// <summary>Creates a store on its own data source and migrates the schema.</summary>
    public async Task<PostgreSqlKeyStore> CreateInitializedStoreAsync()
    {
        var store = CreateStore();
        await store.InitializeAsync();
        return store;
    }

    /// <summary>
    /// Creates and starts a listener on its own unpooled data source (made from <paramref name="options"/>
    /// when given, with its ping bounds), publishing into <paramref name="signal"/>.
    /// </summary>
    public async Task<PostgreSqlRevocationListener> StartListenerAsync(
        RevocationSignal signal, KeyCreationSignal? creations = null, PostgreSqlStorageOptions? options = null)
    {
        options ??= Options;
        var listener = Own(new PostgreSqlRevocationListener(
            Own(PostgreSqlDataSourceFactory.CreateForListener(options)),
            signal,
            creations: creations)
        {
            InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
            PingInterval = options.ListenerPingInterval,
            PingTimeout = options.ListenerPingTimeout,
        });
        await listener.StartAsync(CancellationToken.None);
        return listener;
    }

    /// <summary>Runs SQL as the superuser on this database, without pooling.</summary>
    public async Task<object?> ExecuteScalarAsync(string sql)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Listeners first (they were added after their data sources), then data sources.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        lock (_owned)
        {
            _owned.Add(disposable);
        }

        return disposable;
    }
}
