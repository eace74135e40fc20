using System.ComponentModel.DataAnnotations;

namespace Maas.Storage.Sqlite;

/// <summary>
/// Options of the <c>disk</c> key store. Bound from <c>Maas:Storage:Sqlite</c> when <c>AddMaas</c> was
/// given the configuration; validated at start.
/// </summary>
public sealed class SqliteKeyStoreOptions
{
    /// <summary>Gets or sets the path of the SQLite database file; its folder is created when missing.</summary>
    /// <value>The default is <c>/data/maas-api.db</c>, as <c>--data-path</c> of maas-api.</value>
    [Required(AllowEmptyStrings = false)]
    public string DataPath { get; set; } = "/data/maas-api.db";

    /// <summary>Gets or sets how long a statement waits for another process's lock on the file before failing.</summary>
    /// <value>The default is 30 seconds; from 0 to 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
