using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Usage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The <c>disk</c> store: one SQLite file in WAL mode (<see cref="SqliteDatabase"/>: one writer
/// at a time, reads in parallel from a pool). Created keys go through the group commit
/// (<see cref="SqliteGroupCommit"/>), every other write through the writer alone. Every command is
/// parameterised and prepared once per connection.
/// </summary>
/// <remarks>
/// The audit trail (<see cref="IAuditLog"/>, <see cref="SqliteAuditLog"/>) lives in the same file, in
/// <c>audit_log</c>; a created key and a rotation write their entries in their own transaction.
/// The usage ledger (<see cref="IUsageLedger"/>, <see cref="SqliteUsageLedger"/>) too, in <c>usage_ledger</c>.
/// </remarks>
internal sealed class SqliteKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog, IUsageLedger, IEphemeralKeyStore, IKeyLimitsStore, IAsyncDisposable, IDisposable
{
    private const string ListSql = "SELECT " + SqliteKeyRows.Columns + " FROM api_keys WHERE owner = $owner ORDER BY created_at DESC, id DESC";
    private const string GetSql = "SELECT " + SqliteKeyRows.Columns + " FROM api_keys WHERE id = $id AND owner = $owner";
    private const string FindByHashSql = "SELECT " + SqliteKeyRows.Columns + " FROM api_keys WHERE hash = $hash";
    private const string FindByIdSql = "SELECT " + SqliteKeyRows.Columns + " FROM api_keys WHERE id = $id";
    private const string ActiveIdsSql = "SELECT id FROM api_keys WHERE owner = $owner AND revoked_at IS NULL AND expires_at > $at ORDER BY id";
    private const string RevokeActiveSql =
        "UPDATE api_keys SET revoked_at = $at WHERE owner = $owner AND revoked_at IS NULL AND expires_at > $at RETURNING id";
    private const string RevokeSql = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $at) WHERE id = $id AND owner = $owner";
    private const string RevokeAllMarkSql =
        "UPDATE api_keys SET revoked_at = $at WHERE owner = $owner AND revoked_at IS NULL AND created_at <= $at";
    private const string RevokeAllInstantSql =
        "INSERT INTO owner_revocations (owner, revoked_before) VALUES ($owner, $at) " +
        "ON CONFLICT (owner) DO UPDATE SET revoked_before = MAX(revoked_before, excluded.revoked_before)";
    private const string RotateOldSql =
        "UPDATE api_keys SET expires_at = MIN(expires_at, $grace_end), replaced_by = $replaced_by WHERE id = $id AND owner = $owner";
    private const string HashPageSql = "SELECT id, hash FROM api_keys WHERE id > $after ORDER BY id LIMIT $limit";
    private const int HashPageSize = 10_000;
    private const string RevokedBeforeSql = "SELECT revoked_before FROM owner_revocations WHERE owner = $owner";
    private const string UsageSql =
        "UPDATE api_keys SET last_used_at = $at WHERE id = $id AND (last_used_at IS NULL OR last_used_at < $at)";

    private const string DeleteExpiredEphemeralSql =
        "DELETE FROM api_keys WHERE id IN (SELECT id FROM api_keys WHERE ephemeral = 1 AND expires_at < $before ORDER BY expires_at, id LIMIT $limit)";

    private readonly SqliteDatabase _database;
    private readonly SqliteGroupCommit _groupCommit;
    private readonly SqliteAuditLog _auditLog;
    private readonly SqliteUsageLedger _ledger;

    public SqliteKeyStore(SqliteKeyStoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataPath);
        _database = new SqliteDatabase(options, logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System);
        _groupCommit = new SqliteGroupCommit(_database);
        _auditLog = new SqliteAuditLog(_database, _groupCommit);
        _ledger = new SqliteUsageLedger(_database);
    }

    /// <summary>Gets the absolute path of the database file.</summary>
    public string FullPath => _database.FullPath;

    /// <summary>Gets the connections to the file (tests hold the writer or read pragmas through it).</summary>
    internal SqliteDatabase Database => _database;

    /// <summary>
    /// Creates the folder and the file when missing, sets the pragmas, and applies pending
    /// migrations. Call once before anything else.
    /// </summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.InitializeAsync(cancellationToken);

    /// <remarks>Committed by the group commit: concurrent adds share one transaction and one fsync.</remarks>
    public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _groupCommit.AddAsync(key, audit, cancellationToken);
    }

    public async ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        return await _database.WriteAsync(
            (session, _) =>
            {
                // Writes are serialized on this connection, and BEGIN IMMEDIATE holds the file's write
                // lock: the key read here is the key updated here.
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var read = session.Command(GetSql, transaction);
                read.Parameters.AddWithValue("$id", rotation.KeyId);
                read.Parameters.AddWithValue("$owner", rotation.Owner);
                var old = SqliteKeyRows.ReadSingle(read);
                if (old is null)
                {
                    return new KeyRotationResult { Outcome = KeyRotationOutcome.NotFound };
                }

                if (rotation.RefusalFor(old) is { } refused)
                {
                    return new KeyRotationResult { Outcome = refused, Previous = old };
                }

                try
                {
                    SqliteKeyRows.Insert(session, transaction, rotation.Replacement);
                }
                catch (SqliteException ex) when (SqliteKeyRows.IsDuplicate(ex))
                {
                    throw SqliteKeyRows.Duplicate(ex);
                }

                var update = session.Command(RotateOldSql, transaction);
                update.Parameters.AddWithValue("$grace_end", UnixMicroseconds.From(rotation.GraceEndsAt));
                update.Parameters.AddWithValue("$replaced_by", rotation.Replacement.Id);
                update.Parameters.AddWithValue("$id", rotation.KeyId);
                update.Parameters.AddWithValue("$owner", rotation.Owner);
                update.ExecuteNonQuery();
                SqliteAuditLog.Insert(session, transaction, rotation.Audit);
                transaction.Commit();
                var updated = rotation.Apply(old);
                return new KeyRotationResult
                {
                    Outcome = KeyRotationOutcome.Rotated,
                    Previous = updated with { ExpiresAt = UnixMicroseconds.To(UnixMicroseconds.From(updated.ExpiresAt)) },
                };
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> SetLimitsAsync(string id, ApiKeyLimits? limits, AuditEntry audit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(audit);
        return await _database.WriteAsync(
            (session, _) =>
            {
                // Serialized writes under the file's write lock: the key read is the key updated.
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var read = session.Command(FindByIdSql, transaction);
                read.Parameters.AddWithValue("$id", id);
                var old = SqliteKeyRows.ReadSingle(read);
                if (old is null)
                {
                    return null;
                }

                var update = session.Command("UPDATE api_keys SET limits = $limits WHERE id = $id", transaction);
                update.Parameters.AddWithValue("$limits", KeyLimitsJson.Write(limits));
                update.Parameters.AddWithValue("$id", id);
                update.ExecuteNonQuery();
                SqliteAuditLog.Insert(session, transaction, audit);
                transaction.Commit();
                return old;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _auditLog.AppendAsync(entry, cancellationToken);

    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _auditLog.QueryAsync(query, cancellationToken);

    public ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default) => _ledger.AppendAsync(batch, cancellationToken);

    public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default) => _ledger.QueryAsync(query, cancellationToken);

    public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default) => _ledger.ReportAsync(query, cancellationToken);

    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => _ledger.DeleteBeforeAsync(before, cancellationToken);

    public async IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var keys = await _database.ReadAsync(
            session =>
            {
                var command = session.Command(ListSql);
                command.Parameters.AddWithValue("$owner", owner);
                return SqliteKeyRows.ReadAll(command);
            },
            cancellationToken).ConfigureAwait(false);

        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return key;
        }
    }

    public async ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        return await _database.ReadAsync(
            session =>
            {
                var command = session.Command(GetSql);
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$owner", owner);
                return SqliteKeyRows.ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        return await _database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command(RevokeSql);
                command.Parameters.AddWithValue("$at", UnixMicroseconds.From(revokedAt));
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$owner", owner);
                return command.ExecuteNonQuery() > 0;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var at = UnixMicroseconds.From(revokedBefore);
        return await _database.WriteAsync(
            (session, _) =>
            {
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var instant = session.Command(RevokeAllInstantSql, transaction);
                instant.Parameters.AddWithValue("$owner", owner);
                instant.Parameters.AddWithValue("$at", at);
                instant.ExecuteNonQuery();
                var mark = session.Command(RevokeAllMarkSql, transaction);
                mark.Parameters.AddWithValue("$owner", owner);
                mark.Parameters.AddWithValue("$at", at);
                var marked = mark.ExecuteNonQuery();
                transaction.Commit();
                return marked;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        var value = hash.ToArray();
        return await _database.ReadAsync(
            session =>
            {
                var command = session.Command(FindByHashSql);
                command.Parameters.AddWithValue("$hash", value);
                return SqliteKeyRows.ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await _database.ReadAsync(
            session =>
            {
                var command = session.Command(FindByIdSql);
                command.Parameters.AddWithValue("$id", id);
                return SqliteKeyRows.ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var keys = await _database.ReadAsync(
            session =>
            {
                var command = SqliteSearchQuery.Prepare(session, SqliteKeyRows.Columns, search);
                return SqliteKeyRows.ReadAll(command, search.Limit + 1);
            },
            cancellationToken).ConfigureAwait(false);
        var hasMore = keys.Count > search.Limit;
        if (hasMore)
        {
            keys.RemoveAt(keys.Count - 1);
        }

        return new ApiKeyPage(keys, hasMore);
    }

    public async ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var instant = UnixMicroseconds.From(at);

        // The dry run reads through the writer too: it sees exactly what a revocation now would.
        return await _database.WriteAsync<IReadOnlyList<string>>(
            (session, _) =>
            {
                var command = session.Command(dryRun ? ActiveIdsSql : RevokeActiveSql);
                command.Parameters.AddWithValue("$owner", owner);
                command.Parameters.AddWithValue("$at", instant);
                var ids = new List<string>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }

                return ids;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> DeleteExpiredEphemeralAsync(DateTimeOffset expiredBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var before = UnixMicroseconds.From(expiredBefore);
        return await _database.WriteAsync(
            (session, _) =>
            {
                var command = session.Command(DeleteExpiredEphemeralSql);
                command.Parameters.AddWithValue("$before", before);
                command.Parameters.AddWithValue("$limit", limit);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Pages of <see cref="HashPageSize"/> in id order (keyset paging on the primary key): a reader connection is held for one page at a time.</remarks>
    public async IAsyncEnumerable<byte[]> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = "";
        while (true)
        {
            var page = await _database.ReadAsync(
                session =>
                {
                    var command = session.Command(HashPageSql);
                    command.Parameters.AddWithValue("$after", after);
                    command.Parameters.AddWithValue("$limit", HashPageSize);
                    var result = new List<(string Id, byte[] Hash)>(HashPageSize);
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        result.Add((reader.GetString(0), reader.GetFieldValue<byte[]>(1)));
                    }

                    return result;
                },
                cancellationToken).ConfigureAwait(false);

            foreach (var (_, hash) in page)
            {
                yield return hash;
            }

            if (page.Count < HashPageSize)
            {
                yield break;
            }

            after = page[^1].Id;
        }
    }

    public async ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return await _database.ReadAsync(
            session =>
            {
                var command = session.Command(RevokedBeforeSql);
                command.Parameters.AddWithValue("$owner", owner);
                return command.ExecuteScalar() is long value ? UnixMicroseconds.To(value) : (DateTimeOffset?)null;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RecordUsageAsync(IReadOnlyCollection<KeyUsage> usages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(usages);
        if (usages.Count == 0)
        {
            return;
        }

        await _database.WriteAsync(
            (session, _) =>
            {
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                foreach (var usage in usages)
                {
                    if (usage.Id is null)
                    {
                        continue;
                    }

                    var command = session.Command(UsageSql, transaction);
                    command.Parameters.AddWithValue("$at", UnixMicroseconds.From(usage.UsedAt));
                    command.Parameters.AddWithValue("$id", usage.Id);
                    command.ExecuteNonQuery();
                }

                transaction.Commit();
                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _database.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
