using System.Net.Sockets;
using Maas.ApiKeys;
using Npgsql;

namespace Maas.Storage.PostgreSql;

/// <summary>Sorts Npgsql's errors into "the database is unreachable right now" and everything else.</summary>
internal static class PostgreSqlFailures
{
    /// <summary>SQLSTATE 23505: a unique constraint was violated.</summary>
    public const string UniqueViolation = "23505";

    /// <summary>
    /// Gets whether <paramref name="exception"/> means the server cannot be used right now:
    /// no connection, a connection lost, the server shutting down or starting, too many
    /// connections, or credentials refused. Hosts answer these with 503 and Retry-After.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => IsUnavailableState(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        IOException => true,
        _ => false,
    };

    /// <summary>Gets whether a SQLSTATE means the server is unreachable, restarting, or refusing us.</summary>
    public static bool IsUnavailableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)       // connection exception
        || sqlState.StartsWith("53", StringComparison.Ordinal)    // insufficient resources: 53100 disk full, 53200 out of memory, 53300 too many connections
        || sqlState.StartsWith("57P", StringComparison.Ordinal)   // admin/crash shutdown, cannot connect now
        || sqlState.StartsWith("58", StringComparison.Ordinal)    // system error: 58030 I/O error
        || sqlState.StartsWith("28", StringComparison.Ordinal)    // invalid authorization (wrong password)
        || sqlState == "25006"                                     // read-only transaction (a standby, default_transaction_read_only)
        || sqlState == "3D000";                                    // database does not exist (yet)

    /// <summary>Gets whether the transaction lost a deadlock or serialization race and may simply be retried.</summary>
    public static bool IsRetryableConflict(Exception exception) =>
        exception is PostgresException { SqlState: "40001" or "40P01" };

    /// <summary>Wraps an unavailability error; the message holds no connection details, the cause is kept.</summary>
    public static StoreUnavailableException Unavailable(Exception cause) =>
        new("The PostgreSQL key store is unavailable; retry later.", cause);
}
