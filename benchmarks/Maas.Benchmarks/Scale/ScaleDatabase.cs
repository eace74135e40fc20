using Maas.Testing;
using Npgsql;

namespace Maas.Benchmarks.Scale;

/// <summary>
/// A throwaway PostgreSQL server for the scale runs, started as the tests start theirs and then
/// restarted with the run's own server settings (<c>ALTER SYSTEM</c>), so each run says what it tunes.
/// </summary>
internal sealed class ScaleDatabase : IAsyncDisposable
{
    private readonly PostgreSqlServer _server;

    private ScaleDatabase(PostgreSqlServer server, string url)
    {
        _server = server;
        Url = url;
    }

    /// <summary>Gets the URL of the run's empty database.</summary>
    public string Url { get; }

    /// <summary>Starts a server, creates an empty database, applies <paramref name="settings"/> (<c>ALTER SYSTEM</c> statements) and restarts it.</summary>
    public static async Task<ScaleDatabase> StartAsync(string settings)
    {
        var server = new PostgreSqlServer();
        await server.InitializeAsync();
        var database = await server.CreateDatabaseAsync();
        await using (var admin = new NpgsqlConnection(database))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(settings, admin);
            await command.ExecuteNonQueryAsync();
        }

        await server.StopAsync();
        await server.StartAsync();
        return new ScaleDatabase(server, server.ConnectionUrl(new NpgsqlConnectionStringBuilder(database).Database!));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Runs <paramref name="sql"/> and returns its single value.</summary>
    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
