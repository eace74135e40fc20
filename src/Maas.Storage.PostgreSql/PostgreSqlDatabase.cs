using Maas.ApiKeys;
using Maas.Logging;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The pooled connections of the <c>external</c> store and how an operation runs on one: lost
/// deadlock races retried, a read retried once on a fresh connection when a pooled one turns out
/// dead, unavailability turned into <see cref="StoreUnavailableException"/> (and logged at
/// most once per cause every 10 seconds).
/// </summary>
internal sealed class PostgreSqlDatabase(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger logger)
{
    private const int MaxConflictRetries = 5;

    private readonly OutageLog _outages = new(timeProvider);

    /// <summary>
    /// Runs one operation on a pooled connection: retries lost deadlock races, retries a read
    /// once when a pooled connection turns out dead, and turns unavailability into
    /// <see cref="StoreUnavailableException"/>.
    /// </summary>
    public async Task<T> ExecuteAsync<T>(
        Func<NpgsqlConnection, CancellationToken, Task<T>> operation,
        bool retryDeadConnection,
        CancellationToken cancellationToken)
    {
        var conflicts = 0;
        var deadConnectionRetried = !retryDeadConnection;
        while (true)
        {
            try
            {
                var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                return await operation(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (PostgreSqlFailures.IsRetryableConflict(ex) && ++conflicts <= MaxConflictRetries)
            {
                Log.ConflictRetried(logger, ((PostgresException)ex).SqlState, conflicts);
            }
            catch (Exception ex) when (PostgreSqlFailures.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                // Idle pooled connections are likely dead too (server restarted): drop them all.
                dataSource.Clear();
                if (!deadConnectionRetried && ex is not PostgresException)
                {
                    deadConnectionRetried = true;
                    continue;
                }

                LogUnavailableRateLimited(ex);
                throw PostgreSqlFailures.Unavailable(ex);
            }
        }
    }

    /// <summary>One line per cause (no stack trace) at most every 10 seconds: an outage under load must not fill the log.</summary>
    private void LogUnavailableRateLimited(Exception exception)
    {
        var cause = PostgreSqlFailures.Describe(exception);
        if (_outages.ShouldLog(cause, out var failures))
        {
            Log.Unavailable(logger, cause, failures);
        }
    }
}
