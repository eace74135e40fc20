using Maas.Auditing;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The audit trail of the <c>disk</c> store: <c>audit_log</c> in the key store's file, which
/// triggers keep append-only. Entries appended alone are committed with the queued adds
/// (<see cref="SqliteGroupCommit"/>); a created key and a rotation insert theirs
/// (<see cref="Insert"/>) in their own transaction.
/// </summary>
internal sealed class SqliteAuditLog(SqliteDatabase database, SqliteGroupCommit groupCommit) : IAuditLog
{
    private const string InsertSql =
        "INSERT INTO audit_log (at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address, detail) " +
        "VALUES ($at, $action, $actor, $subject, $key_id, $replaced_key_id, $count, $request_id, $client_address, $detail)";

    /// <remarks>
    /// Committed with the queued adds (<see cref="SqliteGroupCommit"/>): an entry on its own
    /// transaction cost one fsync per create, which held creates on disk to a few hundred a second.
    /// </remarks>
    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return groupCommit.AppendAsync(entry, cancellationToken);
    }

    /// <summary>Inserts <paramref name="entry"/> in <paramref name="transaction"/> (a created key's or a rotation's).</summary>
    public static void Insert(SqliteSession session, SqliteTransaction transaction, AuditEntry entry)
    {
        var command = session.Command(InsertSql, transaction);
        var p = command.Parameters;
        p.AddWithValue("$at", UnixMicroseconds.From(entry.At));
        p.AddWithValue("$action", AuditActionNames.ToName(entry.Action));
        p.AddWithValue("$actor", entry.Actor);
        p.AddWithValue("$subject", entry.Subject);
        p.AddWithValue("$key_id", (object?)entry.KeyId ?? DBNull.Value);
        p.AddWithValue("$replaced_key_id", (object?)entry.ReplacedKeyId ?? DBNull.Value);
        p.AddWithValue("$count", entry.Count is { } count ? count : DBNull.Value);
        p.AddWithValue("$request_id", (object?)entry.RequestId ?? DBNull.Value);
        p.AddWithValue("$client_address", (object?)entry.ClientAddress ?? DBNull.Value);
        p.AddWithValue("$detail", (object?)entry.Detail ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public async ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        var (sql, parameters) = AuditSql(query);
        var entries = await database.ReadAsync(
            session =>
            {
                var command = session.Command(sql);
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.AddWithValue(name, value);
                }

                var result = new List<AuditEntry>(query.Limit + 1);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result.Add(AuditLogRows.Read(reader, UnixMicroseconds.To(reader.GetInt64(1))));
                }

                return result;
            },
            cancellationToken).ConfigureAwait(false);

        var hasMore = entries.Count > query.Limit;
        if (hasMore)
        {
            entries.RemoveAt(entries.Count - 1);
        }

        return new AuditPage { Entries = entries, Next = hasMore ? new AuditPosition(entries[^1].At, entries[^1].Sequence) : null };
    }

    /// <summary>
    /// The query for one page: each filter given adds a condition, the cursor a range condition on
    /// (at, sequence), so an index on (filter column, at DESC, sequence DESC) or (at DESC, sequence DESC)
    /// serves it; one row more than the page tells whether there is more. At most 2^7 texts, each prepared once.
    /// </summary>
    private static (string Sql, List<(string Name, object Value)> Parameters) AuditSql(AuditQuery query)
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object)>();
        if (query.Actor is { } actor)
        {
            conditions.Add("actor = $actor");
            parameters.Add(("$actor", actor));
        }

        if (query.Subject is { } subject)
        {
            conditions.Add("subject = $subject");
            parameters.Add(("$subject", subject));
        }

        if (query.KeyId is { } keyId)
        {
            conditions.Add("(key_id = $key_id OR replaced_key_id = $key_id)");
            parameters.Add(("$key_id", keyId));
        }

        if (query.Action is { } action)
        {
            conditions.Add("action = $action");
            parameters.Add(("$action", AuditActionNames.ToName(action)));
        }

        if (query.Since is { } since)
        {
            conditions.Add("at >= $since");
            parameters.Add(("$since", UnixMicroseconds.From(since)));
        }

        if (query.Until is { } until)
        {
            conditions.Add("at < $until");
            parameters.Add(("$until", UnixMicroseconds.From(until)));
        }

        if (query.After is { } after)
        {
            conditions.Add("(at < $after_at OR (at = $after_at AND sequence < $after_sequence))");
            parameters.Add(("$after_at", UnixMicroseconds.From(after.At)));
            parameters.Add(("$after_sequence", after.Sequence));
        }

        parameters.Add(("$limit", query.Limit + 1));
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        return ($"SELECT {AuditLogRows.Columns} FROM audit_log{where} ORDER BY at DESC, sequence DESC LIMIT $limit", parameters);
    }
}
