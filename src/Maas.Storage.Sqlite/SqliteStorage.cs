using Maas.ApiKeys;
using Microsoft.Extensions.Logging;

namespace Maas.Storage.Sqlite;

/// <summary>Opens the <c>disk</c> key store: one SQLite file that keeps every acknowledged write.</summary>
public static class SqliteStorage
{
    /// <summary>
    /// Opens (creating when missing) the database at <see cref="SqliteKeyStoreOptions.DataPath"/>
    /// and applies pending migrations. The returned store also implements
    /// <see cref="IAsyncDisposable"/> and <see cref="IDisposable"/>; dispose it to close the file.
    /// </summary>
    /// <param name="options">Where the file is and how long to wait for locks.</param>
    /// <param name="logger">Where opening and migrations are logged.</param>
    /// <param name="timeProvider">The clock recorded with migrations.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="InvalidOperationException">The file or its folder cannot be created or written; the message names the path.</exception>
    /// <exception cref="Migrations.SchemaTooNewException">The file was written by a newer build of Maas.</exception>
    public static async Task<IKeyStore> OpenKeyStoreAsync(
        SqliteKeyStoreOptions options,
        ILogger? logger = null,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        var store = new SqliteKeyStore(options, logger, timeProvider);
        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
