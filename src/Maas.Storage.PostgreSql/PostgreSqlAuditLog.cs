using Maas.Auditing;
using Maas.Storage.PostgreSql.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The audit trail of the <c>external</c> store: the <c>audit_log</c> table, append-only by
/// triggers. A created key and a rotation add their entry (<see cref="InsertCommand"/>) to their
/// own transaction.
/// </summary>
internal sealed class PostgreSqlAuditLog(PostgreSqlDatabase database) : IAuditLog
{

    /// <inheritdoc />
    public async ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(InsertCommand(entry));
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The insert of <paramref name="entry"/>, for a batch of its own or a created key's or a rotation's.</summary>
    public static NpgsqlBatchCommand InsertCommand(AuditEntry entry)
    {
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO audit_log (at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address, detail) " +
            "VALUES (@at, @action, @actor, @subject, @key_id, @replaced_key_id, @count, @request_id, @client_address, @detail)");
        var p = insert.Parameters;
        p.AddWithValue("at", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(entry.At));
        p.AddWithValue("action", AuditActionNames.ToName(entry.Action));
        p.AddWithValue("actor", entry.Actor);
        p.AddWithValue("subject", entry.Subject);
        p.AddWithValue("key_id", NpgsqlDbType.Text, (object?)entry.KeyId ?? DBNull.Value);
        p.AddWithValue("replaced_key_id", NpgsqlDbType.Text, (object?)entry.ReplacedKeyId ?? DBNull.Value);
        p.AddWithValue("count", NpgsqlDbType.Integer, entry.Count is { } count ? count : DBNull.Value);
        p.AddWithValue("request_id", NpgsqlDbType.Text, (object?)entry.RequestId ?? DBNull.Value);
        p.AddWithValue("client_address", NpgsqlDbType.Text, (object?)entry.ClientAddress ?? DBNull.Value);
        p.AddWithValue("detail", NpgsqlDbType.Text, (object?)entry.Detail ?? DBNull.Value);
        return insert;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each filter adds a condition and the cursor a row comparison <c>(at, sequence) &lt; (…)</c>, so
    /// an index on (filter column, at DESC, sequence DESC), or on (at DESC, sequence DESC), reads
    /// exactly one page plus one row whatever the depth.
    /// </remarks>
    public async ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        var entries = await database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = QueryCommand(query, connection);
                var result = new List<AuditEntry>(query.Limit + 1);
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    result.Add(AuditLogRows.Read(reader, reader.GetFieldValue<DateTimeOffset>(1)));
                }

                return result;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);

        var hasMore = entries.Count > query.Limit;
        if (hasMore)
        {
            entries.RemoveAt(entries.Count - 1);
        }

        return new AuditPage { Entries = entries, Next = hasMore ? new AuditPosition(entries[^1].At, entries[^1].Sequence) : null };
    }

    /// <summary>The command for one page of <paramref name="query"/> (internal: the EXPLAIN test reads its plan).</summary>
    internal static NpgsqlCommand QueryCommand(AuditQuery query, NpgsqlConnection? connection)
    {
        var conditions = new List<string>();
        var command = new NpgsqlCommand { Connection = connection };
        var p = command.Parameters;
        if (query.Actor is { } actor)
        {
            conditions.Add("actor = @actor");
            p.AddWithValue("actor", actor);
        }

        if (query.Subject is { } subject)
        {
            conditions.Add("subject = @subject");
            p.AddWithValue("subject", subject);
        }

        if (query.KeyId is { } keyId)
        {
            conditions.Add("(key_id = @key_id OR replaced_key_id = @key_id)");
            p.AddWithValue("key_id", keyId);
        }

        if (query.Action is { } action)
        {
            conditions.Add("action = @action");
            p.AddWithValue("action", AuditActionNames.ToName(action));
        }

        if (query.Since is { } since)
        {
            conditions.Add("at >= @since");
            p.AddWithValue("since", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(since));
        }

        if (query.Until is { } until)
        {
            conditions.Add("at < @until");
            p.AddWithValue("until", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(until));
        }

        if (query.After is { } after)
        {
            conditions.Add("(at, sequence) < (@after_at, @after_sequence)");
            p.AddWithValue("after_at", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(after.At));
            p.AddWithValue("after_sequence", after.Sequence);
        }

        p.AddWithValue("limit", query.Limit + 1);
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        command.CommandText = $"SELECT {AuditLogRows.Columns} FROM audit_log{where} ORDER BY at DESC, sequence DESC LIMIT @limit";
        return command;
    }
}
