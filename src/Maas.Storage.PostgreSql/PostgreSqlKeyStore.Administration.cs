using Maas.ApiKeys;
using Maas.Revocation;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Storage.PostgreSql.Revocation;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The administrators' capability (<see cref="IKeyAdministrationStore"/>): any owner's key, search,
/// bulk revoke; and the sweep of expired ephemeral keys (<see cref="IEphemeralKeyStore"/>).
/// </summary>
internal sealed partial class PostgreSqlKeyStore
{
    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id", connection);
                command.Parameters.AddWithValue("id", id);
                return (await PostgreSqlKeyRows.ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var keys = await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = PostgreSqlSearchQuery.Create(connection, Columns, search);
                return await PostgreSqlKeyRows.ReadAllAsync(command, ct).ConfigureAwait(false);
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
        var hasMore = keys.Count > search.Limit;
        if (hasMore)
        {
            keys.RemoveAt(keys.Count - 1);
        }

        return new ApiKeyPage(keys, hasMore);
    }

    /// <inheritdoc />
    public async ValueTask<int> DeleteExpiredEphemeralAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var before = PostgreSqlSchema.ToStoredInstant(expiredBefore);
        return await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                // SKIP LOCKED: replicas sweeping at once take different keys rather than waiting on each other.
                using var command = new NpgsqlCommand(
                    """
                    DELETE FROM api_keys WHERE id IN (
                        SELECT id FROM api_keys WHERE ephemeral AND expires_at < @before
                        ORDER BY expires_at, id LIMIT @limit FOR UPDATE SKIP LOCKED)
                    """,
                    connection);
                command.Parameters.AddWithValue("before", NpgsqlDbType.TimestampTz, before);
                command.Parameters.AddWithValue("limit", limit);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var instant = PostgreSqlSchema.ToStoredInstant(at);
        return await _database.ExecuteAsync<IReadOnlyList<string>>(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                var ids = new List<string>();
                using (var select = new NpgsqlCommand(
                    dryRun
                        ? "SELECT id FROM api_keys WHERE owner = @owner AND revoked_at IS NULL AND expires_at > @at ORDER BY id"
                        : "UPDATE api_keys SET revoked_at = @at WHERE owner = @owner AND revoked_at IS NULL AND expires_at > @at RETURNING id",
                    connection,
                    transaction))
                {
                    select.Parameters.AddWithValue("owner", owner);
                    select.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, instant);
                    var reader = await select.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                if (!dryRun && ids.Count > 0)
                {
                    // One announcement per key, as for a single revocation, delivered when this commits.
                    var payloads = ids.Select(id => RevocationNotification.Serialize(new RevocationEvent { Owner = owner, KeyId = id })).ToArray();
                    using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, payload) FROM unnest(@payloads) AS payload", connection, transaction);
                    notify.Parameters.AddWithValue("channel", RevocationNotification.Channel);
                    notify.Parameters.AddWithValue("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text, payloads);
                    await notify.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return ids;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }
}
