using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Revocation;
using Maas.Storage.PostgreSql.Revocation;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>A key's own limits changed by an administrator (<see cref="IKeyLimitsStore"/>).</summary>
internal sealed partial class PostgreSqlKeyStore : IKeyLimitsStore
{
    /// <inheritdoc />
    /// <remarks>
    /// One transaction: the row locked, the update, the audit entry and a revocation notification of
    /// the key, delivered when (and only if) it commits, so every replica drops what it cached about
    /// the key and reads the new limits on its next use, as after a rotation.
    /// </remarks>
    public async ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(audit);
        return await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                ApiKeyRecord? old;
                using (var read = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id FOR UPDATE", connection, transaction))
                {
                    read.Parameters.AddWithValue("id", id);
                    old = (await PostgreSqlKeyRows.ReadAllAsync(read, ct).ConfigureAwait(false)).SingleOrDefault();
                }

                if (old is null)
                {
                    return null;
                }

                using var batch = new NpgsqlBatch(connection, transaction);
                var update = new NpgsqlBatchCommand("UPDATE api_keys SET limits = @limits WHERE id = @id");
                update.Parameters.AddWithValue("limits", NpgsqlDbType.Jsonb, KeyLimitsJson.Write(limits));
                update.Parameters.AddWithValue("id", id);
                batch.BatchCommands.Add(update);
                batch.BatchCommands.Add(PostgreSqlAuditLog.InsertCommand(audit));
                var changed = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload)");
                changed.Parameters.AddWithValue("channel", RevocationNotification.Channel);
                changed.Parameters.AddWithValue("payload", RevocationNotification.Serialize(new RevocationEvent { Owner = old.Owner, KeyId = id }));
                batch.BatchCommands.Add(changed);
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return old;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }
}
