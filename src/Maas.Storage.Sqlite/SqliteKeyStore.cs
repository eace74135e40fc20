using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The <c>disk</c> store: one SQLite file in WAL mode. Writes go through one dedicated writer
/// connection, one at a time (a <see cref="SemaphoreSlim"/>), so writers in this process never
/// meet <c>SQLITE_BUSY</c>; reads use a pool of reader connections and run in parallel with the
/// writer (WAL readers see the last committed state). Every command is parameterised and
/// prepared once per connection.
/// </summary>
/// <remarks>
/// The audit trail (<see cref="IAuditLog"/>) lives in the same file, in <c>audit_log</c>, which
/// triggers keep append-only; a created key and a rotation write their entries in their own transaction.
/// </remarks>
internal sealed partial class SqliteKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog, IAsyncDisposable, IDisposable
{
    private const string Columns = "id, owner, owner_groups, name, description, hash, created_at, expires_at, revoked_at, last_used_at, labels, rotated_from, replaced_by";
    // A key created up to the owner's revoked-before instant is stored revoked at that instant:
    // the add lost a race with a revoke-all (writes are serialized, so the subquery sees its result).
    private const string InsertSql =
        "INSERT INTO api_keys (" + Columns + ") VALUES ($id, $owner, $owner_groups, $name, $description, $hash, $created_at, $expires_at, " +
        "COALESCE($revoked_at, (SELECT revoked_before FROM owner_revocations WHERE owner = $owner AND revoked_before >= $created_at)), $last_used_at, $labels, " +
        "$rotated_from, $replaced_by)";
    private const string ListSql = "SELECT " + Columns + " FROM api_keys WHERE owner = $owner ORDER BY created_at DESC, id DESC";
    private const string GetSql = "SELECT " + Columns + " FROM api_keys WHERE id = $id AND owner = $owner";
    private const string FindByHashSql = "SELECT " + Columns + " FROM api_keys WHERE hash = $hash";
    private const string FindByIdSql = "SELECT " + Columns + " FROM api_keys WHERE id = $id";
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
    private const string AuditInsertSql =
        "INSERT INTO audit_log (at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address) " +
        "VALUES ($at, $action, $actor, $subject, $key_id, $replaced_key_id, $count, $request_id, $client_address)";
    private const string AuditColumns = "sequence, at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address";
    private const string HashPageSql = "SELECT id, hash FROM api_keys WHERE id > $after ORDER BY id LIMIT $limit";
    private const int HashPageSize = 10_000;
    private const string RevokedBeforeSql = "SELECT revoked_before FROM owner_revocations WHERE owner = $owner";
    private const string UsageSql =
        "UPDATE api_keys SET last_used_at = $at WHERE id = $id AND (last_used_at IS NULL OR last_used_at < $at)";

    // SQLITE_CONSTRAINT_PRIMARYKEY and SQLITE_CONSTRAINT_UNIQUE.
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    private readonly SqliteKeyStoreOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _connectionString;
    private const int MaxBatch = 512;
    private static readonly int MaxIdleReaders = Math.Max(4, Environment.ProcessorCount * 2);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentQueue<PendingWrite> _pendingWrites = new();
    private int _draining;
    private readonly ConcurrentBag<SqliteSession> _readers = [];
    private SqliteSession? _writer;
    private int _disposed;

    public SqliteKeyStore(SqliteKeyStoreOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataPath);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        FullPath = Path.GetFullPath(options.DataPath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            ForeignKeys = true,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),

            // The store keeps its own connections for its lifetime; closing them closes the file.
            Pooling = false,
        }.ToString();
    }

    /// <summary>Gets the absolute path of the database file.</summary>
    public string FullPath { get; }

    /// <summary>
    /// Creates the folder and the file when missing, sets the pragmas, and applies pending
    /// migrations. Call once before anything else.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var directory = Path.GetDirectoryName(FullPath);
        try
        {
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the folder of the SQLite database '{FullPath}': {ex.Message}", ex);
        }

        CreateOwnerOnly();
        var writer = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // WAL is a property of the file: set once, every later connection uses it.
            var mode = await ScalarAsync(writer, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
            if (!string.Equals(mode as string, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The SQLite database '{FullPath}' cannot be switched to WAL mode (journal mode is '{mode}').");
            }

            var result = await SqliteSchema.CreateMigrator(_timeProvider, _logger).MigrateAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
            Log.Opened(_logger, FullPath, result.FromVersion, result.ToVersion);
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        _writer = writer;
    }

    /// <summary>
    /// Creates a missing database file readable and writable by its owner only (0600): it holds
    /// every key's hash and owner. SQLite gives the -wal and -shm files it creates the mode of the
    /// database file, so they are 0600 too. An existing file keeps the mode its operator gave it.
    /// </summary>
    private void CreateOwnerOnly()
    {
        if (OperatingSystem.IsWindows() || File.Exists(FullPath))
        {
            return;
        }

        try
        {
            using var file = new FileStream(FullPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(FullPath))
        {
            // Another process created it first.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the SQLite database '{FullPath}': {ex.Message}", ex);
        }
    }

    /// <remarks>
    /// Group commit: concurrent adds (and audit entries, <see cref="AppendAsync"/>) queue up while
    /// one transaction is being made durable, and the next writer commits all of them in one
    /// transaction and one fsync. Each caller is answered only after the transaction holding its
    /// write has committed, so an acknowledged key is durable; a duplicate fails alone (a savepoint
    /// per key), not the whole batch. A key and its audit entry are one queued write, inserted under
    /// one savepoint: they are taken, committed, rolled back or withdrawn together, never apart.
    /// </remarks>
    public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return CommitQueuedAsync(new PendingWrite(key, audit), cancellationToken);
    }

    private async ValueTask CommitQueuedAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        _pendingWrites.Enqueue(pending);

        // One drain at a time commits the queue for everyone, off the callers' own flows (a caller
        // that drained would wait for others' writes too); every caller waits only for its own
        // write's outcome. When each caller took the writer lock in turn instead, most of them woke
        // only to find their write committed by the one before: a thread handoff per caller per
        // transaction, which under 64 concurrent creates cost more than the inserts themselves.
        if (Volatile.Read(ref _draining) == 0 && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainLoopAsync, CancellationToken.None);
        }

        try
        {
            await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (pending.TryCancel())
        {
            // Withdrawn before a writer took it: nothing was written.
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A writer already took it: its transaction's outcome is the answer.
            await pending.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Drains until the queue is empty, then gives up the drain; never throws.</summary>
    private async Task DrainLoopAsync()
    {
        while (true)
        {
            try
            {
                await DrainAsync().ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }

            // A write queued after the last pass saw the queue empty, while the flag was still set,
            // started no drain: drain again unless another drain has started meanwhile.
            if (_pendingWrites.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Commits queued writes, up to <see cref="MaxBatch"/> a transaction, until the queue is empty.
    /// Not cancellable: a batch holds many callers' writes, and a caller that gives up withdraws its
    /// own while it is still queued. When a pass fails before taking its batch, every write still
    /// queued gets that failure, as each caller did when it committed for itself.
    /// </summary>
    private async Task DrainAsync()
    {
        while (!_pendingWrites.IsEmpty)
        {
            try
            {
                await WriteAsync((session, _) => CommitPendingWrites(session), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // CommitPendingWrites gave its batch this failure; writes it did not take get it too.
                while (_pendingWrites.TryDequeue(out var queued))
                {
                    if (queued.TryTake())
                    {
                        queued.Completion.TrySetException(ex);
                    }
                }
            }
        }
    }

    private int CommitPendingWrites(SqliteSession session)
    {
        var batch = new List<PendingWrite>();
        while (batch.Count < MaxBatch && _pendingWrites.TryDequeue(out var next))
        {
            if (next.TryTake())
            {
                batch.Add(next);
            }
        }

        if (batch.Count == 0)
        {
            return 0;
        }

        var outcomes = new Exception?[batch.Count];
        try
        {
            using var transaction = session.Connection.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Key is not { } key)
                {
                    AppendAudit(session, transaction, batch[i].Audit!);
                    continue;
                }

                // The key and its entry under one savepoint: a duplicate rolls back both, and any
                // other failure fails the whole transaction, so neither is ever committed alone.
                session.Command("SAVEPOINT maas_add", transaction).ExecuteNonQuery();
                try
                {
                    Insert(session, transaction, key);
                    if (batch[i].Audit is { } audit)
                    {
                        AppendAudit(session, transaction, audit);
                    }

                    session.Command("RELEASE maas_add", transaction).ExecuteNonQuery();
                }
                catch (SqliteException ex) when (ex.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique)
                {
                    session.Command("ROLLBACK TO maas_add", transaction).ExecuteNonQuery();
                    session.Command("RELEASE maas_add", transaction).ExecuteNonQuery();
                    outcomes[i] = new DuplicateKeyException("An API key with the same id or hash already exists.", ex);
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            var failure = SqliteFailures.IsUnavailable(ex) ? SqliteFailures.Unavailable(ex) : ex;
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }

            if (!ReferenceEquals(failure, ex))
            {
                throw failure;
            }

            throw;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is { } failure)
            {
                batch[i].Completion.TrySetException(failure);
            }
            else
            {
                batch[i].Completion.TrySetResult();
            }
        }

        return batch.Count;
    }

    private static void Insert(SqliteSession session, SqliteTransaction transaction, ApiKeyRecord key)
    {
        var command = session.Command(InsertSql, transaction);
        var p = command.Parameters;
        p.AddWithValue("$id", key.Id);
        p.AddWithValue("$owner", key.Owner);
        p.AddWithValue("$owner_groups", OwnerGroupsJson.Write(key.OwnerGroups));
        p.AddWithValue("$name", key.Name);
        p.AddWithValue("$description", (object?)key.Description ?? DBNull.Value);
        p.AddWithValue("$hash", key.Hash);
        p.AddWithValue("$created_at", UnixMicroseconds.From(key.CreatedAt));
        p.AddWithValue("$expires_at", UnixMicroseconds.From(key.ExpiresAt));
        p.AddWithValue("$revoked_at", key.RevokedAt is { } revoked ? UnixMicroseconds.From(revoked) : DBNull.Value);
        p.AddWithValue("$last_used_at", key.LastUsedAt is { } used ? UnixMicroseconds.From(used) : DBNull.Value);
        p.AddWithValue("$labels", LabelsJson.Write(key.Labels));
        p.AddWithValue("$rotated_from", (object?)key.RotatedFrom ?? DBNull.Value);
        p.AddWithValue("$replaced_by", (object?)key.ReplacedBy ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public async ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        return await WriteAsync(
            (session, _) =>
            {
                // Writes are serialized on this connection, and BEGIN IMMEDIATE holds the file's write
                // lock: the key read here is the key updated here.
                using var transaction = session.Connection.BeginTransaction(deferred: false);
                var read = session.Command(GetSql, transaction);
                read.Parameters.AddWithValue("$id", rotation.KeyId);
                read.Parameters.AddWithValue("$owner", rotation.Owner);
                var old = ReadSingle(read);
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
                    Insert(session, transaction, rotation.Replacement);
                }
                catch (SqliteException ex) when (ex.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique)
                {
                    throw new DuplicateKeyException("An API key with the same id or hash already exists.", ex);
                }

                var update = session.Command(RotateOldSql, transaction);
                update.Parameters.AddWithValue("$grace_end", UnixMicroseconds.From(rotation.GraceEndsAt));
                update.Parameters.AddWithValue("$replaced_by", rotation.Replacement.Id);
                update.Parameters.AddWithValue("$id", rotation.KeyId);
                update.Parameters.AddWithValue("$owner", rotation.Owner);
                update.ExecuteNonQuery();
                AppendAudit(session, transaction, rotation.Audit);
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

    /// <remarks>
    /// Committed with the queued adds (<see cref="AddAsync"/>'s group commit): an entry on its own
    /// transaction cost one fsync per create, which held creates on disk to a few hundred a second.
    /// </remarks>
    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return CommitQueuedAsync(new PendingWrite(null, entry), cancellationToken);
    }

    private static void AppendAudit(SqliteSession session, SqliteTransaction transaction, AuditEntry entry)
    {
        var command = session.Command(AuditInsertSql, transaction);
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
        command.ExecuteNonQuery();
    }

    public async ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        var (sql, parameters) = AuditSql(query);
        var entries = await ReadAsync(
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
                    result.Add(new AuditEntry
                    {
                        Sequence = reader.GetInt64(0),
                        At = UnixMicroseconds.To(reader.GetInt64(1)),
                        Action = AuditActionNames.Parse(reader.GetString(2)),
                        Actor = reader.GetString(3),
                        Subject = reader.GetString(4),
                        KeyId = reader.IsDBNull(5) ? null : reader.GetString(5),
                        ReplacedKeyId = reader.IsDBNull(6) ? null : reader.GetString(6),
                        Count = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                        RequestId = reader.IsDBNull(8) ? null : reader.GetString(8),
                        ClientAddress = reader.IsDBNull(9) ? null : reader.GetString(9),
                    });
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
        return ($"SELECT {AuditColumns} FROM audit_log{where} ORDER BY at DESC, sequence DESC LIMIT $limit", parameters);
    }

    /// <summary>
    /// A key (with its creation entry, when given) or an audit entry alone, waiting to be written;
    /// taken by exactly one writer, or cancelled before.
    /// </summary>
    private sealed class PendingWrite(ApiKeyRecord? key, AuditEntry? audit)
    {
        private int _state; // 0 queued, 1 taken by a writer, 2 cancelled

        public ApiKeyRecord? Key { get; } = key;

        public AuditEntry? Audit { get; } = audit;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsQueued => Volatile.Read(ref _state) == 0;

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryCancel() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;
    }

    public async IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var keys = await ReadAsync(
            session =>
            {
                var command = session.Command(ListSql);
                command.Parameters.AddWithValue("$owner", owner);
                var result = new List<ApiKeyRecord>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result.Add(ReadKey(reader));
                }

                return result;
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
        return await ReadAsync(
            session =>
            {
                var command = session.Command(GetSql);
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$owner", owner);
                return ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        return await WriteAsync(
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
        return await WriteAsync(
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
        return await ReadAsync(
            session =>
            {
                var command = session.Command(FindByHashSql);
                command.Parameters.AddWithValue("$hash", value);
                return ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await ReadAsync(
            session =>
            {
                var command = session.Command(FindByIdSql);
                command.Parameters.AddWithValue("$id", id);
                return ReadSingle(command);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var keys = await ReadAsync(
            session =>
            {
                var command = SqliteSearchQuery.Prepare(session, Columns, search);
                var result = new List<ApiKeyRecord>(search.Limit + 1);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result.Add(ReadKey(reader));
                }

                return result;
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
        return await WriteAsync<IReadOnlyList<string>>(
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

    /// <remarks>Pages of <see cref="HashPageSize"/> in id order (keyset paging on the primary key): a reader connection is held for one page at a time.</remarks>
    public async IAsyncEnumerable<byte[]> ListHashesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = "";
        while (true)
        {
            var page = await ReadAsync(
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
        return await ReadAsync(
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

        await WriteAsync(
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

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Wait for a write in flight: closing its connection under it would fail the write.
        _writeGate.Wait();
        _writer?.Dispose();
        _writer = null;
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        _writeGate.Release();
        _writeGate.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static ApiKeyRecord? ReadSingle(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadKey(reader) : null;
    }

    private static ApiKeyRecord ReadKey(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Owner = reader.GetString(1),
        OwnerGroups = OwnerGroupsJson.Read(reader.GetString(2)),
        Name = reader.GetString(3),
        Description = reader.IsDBNull(4) ? null : reader.GetString(4),
        Hash = reader.GetFieldValue<byte[]>(5),
        CreatedAt = UnixMicroseconds.To(reader.GetInt64(6)),
        ExpiresAt = UnixMicroseconds.To(reader.GetInt64(7)),
        RevokedAt = reader.IsDBNull(8) ? null : UnixMicroseconds.To(reader.GetInt64(8)),
        LastUsedAt = reader.IsDBNull(9) ? null : UnixMicroseconds.To(reader.GetInt64(9)),
        Labels = LabelsJson.Read(reader.GetString(10)),
        RotatedFrom = reader.IsDBNull(11) ? null : reader.GetString(11),
        ReplacedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
    };

    private static async Task<object?> ScalarAsync(SqliteSession session, string sql, CancellationToken cancellationToken)
    {
        var command = session.Command(sql);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    internal async Task<T> WriteAsync<T>(Func<SqliteSession, CancellationToken, T> write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var writer = _writer ?? throw new InvalidOperationException("The SQLite key store was not initialized; call InitializeAsync first.");

            // Microsoft.Data.Sqlite runs statements synchronously (its async methods do too);
            // the writer is one connection, so one write at a time holds it.
            return write(writer, cancellationToken);
        }
        catch (SqliteException ex) when (SqliteFailures.IsUnavailable(ex))
        {
            // A full disk, an I/O error, a read-only file: the transaction rolled back and the
            // connection stays usable, so the next write succeeds once the fault is gone.
            throw SqliteFailures.Unavailable(ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    internal async Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_writer is null)
        {
            throw new InvalidOperationException("The SQLite key store was not initialized; call InitializeAsync first.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_readers.TryTake(out var session))
        {
            session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return read(session);
        }
        catch (SqliteException ex) when (SqliteFailures.IsUnavailable(ex))
        {
            throw SqliteFailures.Unavailable(ex);
        }
        finally
        {
            ReturnReader(session);
        }
    }

    /// <summary>
    /// Keeps a reader connection for the next read, up to <see cref="MaxIdleReaders"/>; closes it
    /// when the pool is full or the store is disposed (also when disposal raced this return).
    /// </summary>
    private void ReturnReader(SqliteSession session)
    {
        if (_disposed != 0 || _readers.Count >= MaxIdleReaders)
        {
            session.Dispose();
            return;
        }

        _readers.Add(session);
        if (_disposed != 0)
        {
            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }
        }
    }

    private async Task<SqliteSession> OpenSessionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new InvalidOperationException($"The SQLite database '{FullPath}' is not writable by this process.");
            }

            var session = new SqliteSession(connection);

            // synchronous=FULL: a commit returns only after the WAL is fsynced, so a write
            // acknowledged to a caller is on stable storage. In WAL mode NORMAL already survives
            // kill -9 of the process (the OS keeps the written pages) and loses only on power
            // loss or an OS crash; the issue asks "acknowledged = durable", so FULL.
            // busy_timeout: wait for another process's lock instead of failing at once.
            var pragmas = session.Command(
                $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON;");
            await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch (SqliteException ex) when (_writer is not null && SqliteFailures.IsUnavailable(ex))
        {
            // Serving already: a reader that cannot open now is a fault of the moment, not of the configuration.
            connection.Dispose();
            throw SqliteFailures.Unavailable(ex);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidOperationException($"Cannot open the SQLite database '{FullPath}': {ex.Message}", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Opened the SQLite key store {Path} (schema version {FromVersion} -> {ToVersion})")]
        public static partial void Opened(ILogger logger, string path, int fromVersion, int toVersion);
    }
}
