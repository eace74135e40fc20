using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Storage.PostgreSql.Migrations;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>The usage capability (<see cref="IKeyUsageStore"/>): last-used write-back and the hash listing.</summary>
internal sealed partial class PostgreSqlKeyStore
{
    /// <summary>The first and the following pages of <see cref="ListHashesAsync"/> (internal: the EXPLAIN test reads their plan).</summary>
    internal const int HashPageSize = 10_000;
    internal const string FirstHashPageSql = "SELECT hash FROM api_keys ORDER BY hash LIMIT @limit";
    internal const string NextHashPageSql = "SELECT hash FROM api_keys WHERE hash > @after ORDER BY hash LIMIT @limit";

    /// <inheritdoc />
    /// <remarks>
    /// Pages of <see cref="HashPageSize"/> in hash order (keyset paging on the unique hash index): a
    /// pooled connection is held for one page at a time, and since a key's hash never changes and is
    /// unique, no key is skipped or repeated whatever commits between pages (keys added meanwhile
    /// reach the filter by their notification). The index holds every hash, so a page is an
    /// index-only scan that reads the table only for pages changed since the last vacuum; paging by
    /// id instead read the table row by row in random order (165 s at 10 million keys, 1 GB of
    /// shared buffers, against seconds this way: see benchmarks/README.md).
    /// </remarks>
    public async IAsyncEnumerable<byte[]> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        byte[]? after = null;
        while (true)
        {
            var page = await _database.ExecuteAsync(
                async (connection, ct) =>
                {
                    using var command = new NpgsqlCommand(after is null ? FirstHashPageSql : NextHashPageSql, connection);
                    if (after is not null)
                    {
                        command.Parameters.AddWithValue("after", NpgsqlDbType.Bytea, after);
                    }

                    command.Parameters.AddWithValue("limit", HashPageSize);
                    var result = new List<byte[]>(HashPageSize);
                    var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        result.Add(reader.GetFieldValue<byte[]>(0));
                    }

                    return result;
                },
                retryDeadConnection: true,
                cancellationToken).ConfigureAwait(false);

            foreach (var hash in page)
            {
                yield return hash;
            }

            if (page.Count < HashPageSize)
            {
                yield break;
            }

            after = page[^1];
        }
    }

    /// <inheritdoc />
    public async ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usages);
        if (usages.Count == 0)
        {
            return;
        }

        // One entry per key, the latest instant; sorted so concurrent batches lock rows in the same order.
        var latest = usages
            .GroupBy(u => u.Id, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, UsedAt: PostgreSqlSchema.ToStoredInstant(g.Max(u => u.UsedAt))))
            .OrderBy(u => u.Id, StringComparer.Ordinal)
            .ToArray();
        var ids = latest.Select(u => u.Id).ToArray();
        var instants = latest.Select(u => u.UsedAt).ToArray();

        // One statement, no separate locking read: each row is found once and locked as it is
        // updated, in the order the plan visits them (id order in the nested loop over the sorted
        // input a large table gets, physical order in a small table's scan), the same order for two
        // replicas' concurrent flushes; a deadlock lost anyway is retried by ExecuteAsync. Only
        // last_used_at changes, which no index covers, and the table leaves a fifth of each page
        // free (fillfactor 80, see PostgreSqlSchema), so the updates are HOT: no index entry is written, and dead versions
        // are pruned within the page.
        //
        // The commit does not wait for its WAL to reach the disk (synchronous_commit off for this
        // transaction only, set in the same implicit transaction as the update): usage is best
        // effort by design, the recorder already holds up to a flush interval of it in memory, and
        // a server crash loses at most the last few hundred milliseconds of these stamps, never
        // consistency. Waiting was the flush's tail: the first change of a page after a checkpoint
        // writes the whole page to the WAL (full_page_writes), so a flush of 1,000 keys on cold pages
        // waited for megabytes to be flushed (see benchmarks/README.md, the scale run).
        await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"));
                var update = new NpgsqlBatchCommand(
                    """
                    UPDATE api_keys AS k SET last_used_at = u.used_at
                    FROM unnest(@ids, @instants) AS u(id, used_at)
                    WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.used_at)
                    """);
                update.Parameters.AddWithValue("ids", NpgsqlDbType.Array | NpgsqlDbType.Text, ids);
                update.Parameters.AddWithValue("instants", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, instants);
                batch.BatchCommands.Add(update);
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }
}
