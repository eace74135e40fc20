using System.Net.Sockets;
using System.Security.Authentication;
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
    /// connections, credentials refused, or SSL refused or failed. Hosts answer these with 503 and Retry-After.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => IsUnavailableState(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException || IsSslFailure(npgsql),
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

    /// <summary>
    /// Wraps an unavailability error in a message that names its cause (<see cref="Describe"/>):
    /// an operator tells a server that is down from a refused password or an SSL mismatch. The
    /// message holds no connection details; the cause is kept as the inner exception.
    /// </summary>
    public static StoreUnavailableException Unavailable(Exception cause) => new(Describe(cause), cause);

    /// <summary>
    /// One sentence naming why PostgreSQL cannot be used, from a small fixed set (it keys the
    /// outage log lines: one per cause every 10 s). Never the URL, host, user or password.
    /// </summary>
    public static string Describe(Exception exception) => exception switch
    {
        PostgresException { SqlState: "28P01" } => "PostgreSQL refused the password (SQLSTATE 28P01): check the user and password of the database URL.",
        PostgresException { SqlState: var state } when state.StartsWith("28", StringComparison.Ordinal) =>
            $"PostgreSQL refused the login (SQLSTATE {state}): no pg_hba.conf line admits this user, database, address and SSL mode.",
        PostgresException { SqlState: "3D000" } => "The database named in the URL does not exist on the PostgreSQL server (SQLSTATE 3D000).",
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" } postgres =>
            $"The PostgreSQL server is shutting down or starting up (SQLSTATE {postgres.SqlState}); retry later.",
        PostgresException { SqlState: "53300" } => "The PostgreSQL server has no connection slot left (SQLSTATE 53300); retry later.",
        PostgresException { SqlState: "53100" } => "The PostgreSQL server's disk is full (SQLSTATE 53100); retry later.",
        PostgresException { SqlState: "25006" } => "The PostgreSQL server refuses writes (SQLSTATE 25006: a standby, or default_transaction_read_only); retry later.",
        PostgresException postgres => $"The PostgreSQL key store is unavailable (SQLSTATE {postgres.SqlState}); retry later.",
        _ when IsSslRefused(exception) => "The PostgreSQL server does not offer SSL, and the database URL requires it (sslmode=require or stricter).",
        _ when Find<AuthenticationException>(exception) is not null => "The SSL handshake with the PostgreSQL server failed: check sslmode, sslrootcert and the server's certificate.",
        _ when Find<SocketException>(exception) is { } socket => $"The PostgreSQL server cannot be reached ({socket.SocketErrorCode}); retry later.",
        _ when Find<TimeoutException>(exception) is not null => "The PostgreSQL server did not answer in time; retry later.",
        _ => "The PostgreSQL key store is unavailable; retry later.",
    };

    /// <summary>Gets whether the server refused SSL or the SSL handshake failed: a setting to fix, not an outage to wait out.</summary>
    private static bool IsSslFailure(Exception exception) =>
        IsSslRefused(exception) || Find<AuthenticationException>(exception) is not null;

    // Npgsql says so only in words: the server answered 'N' to the SSLRequest that sslmode=require sent.
    private static bool IsSslRefused(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 8; depth++, exception = exception.InnerException)
        {
            if (exception is NpgsqlException && exception.Message.StartsWith("SSL connection requested. No SSL enabled connection", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var depth = 0; exception is not null && depth < 8; depth++, exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }
}
