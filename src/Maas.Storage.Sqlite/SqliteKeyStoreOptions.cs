namespace Maas.Storage.Sqlite;

/// <summary>Options of the <c>disk</c> key store.</summary>
public sealed class SqliteKeyStoreOptions
{
    /// <summary>Gets or sets the path of the SQLite database file; its folder is created when missing.</summary>
    /// <value>The default is <c>/data/maas-api.db</c>, as <c>--data-path</c> of maas-api.</value>
    public string DataPath { get; set; } = "/data/maas-api.db";

    /// <summary>Gets or sets how long a statement waits for another process's lock on the file before failing.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
