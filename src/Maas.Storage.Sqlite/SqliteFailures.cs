using Maas.ApiKeys;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// Sorts SQLite's errors into "the file cannot be used right now" (a full disk, an I/O error, a
/// read-only or unopenable file, a lock held too long by another process) and everything else.
/// The first kind is a fault of the machine, not of the request: hosts answer 503 with
/// <c>Retry-After</c>, and the store works again once the fault is gone, without a restart.
/// </summary>
internal static class SqliteFailures
{
    // Primary result codes (https://sqlite.org/rescode.html); extended codes share the low byte.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CantOpen = 14;

    public static bool IsUnavailable(Exception exception) =>
        exception is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is Busy or Locked or ReadOnly or IoError or Full or CantOpen;

    /// <summary>Wraps the error; the message names the kind of fault and keeps the cause.</summary>
    public static StoreUnavailableException Unavailable(Exception cause) => new(
        cause is SqliteException { SqliteErrorCode: var code } ? $"The SQLite key store is unavailable ({Describe(code)}); retry later." : "The SQLite key store is unavailable; retry later.",
        cause);

    private static string Describe(int code) => (code & 0xFF) switch
    {
        Full => "the disk is full",
        IoError => "an I/O error",
        ReadOnly => "the database is read-only",
        CantOpen => "the database file cannot be opened",
        _ => "the database is locked",
    };
}
