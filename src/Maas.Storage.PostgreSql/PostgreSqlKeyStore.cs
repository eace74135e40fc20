using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Logging;
using Maas.Revocation;
using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Storage.PostgreSql.Revocation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The <c>external</c> store: key metadata in PostgreSQL, shared by every replica. Call
/// <see cref="InitializeAsync"/> once before use (it migrates the schema under an advisory lock).
/// Instants are truncated to whole microseconds (what <c>timestamptz</c> keeps) and read back in
/// UTC. Revocations are announced to every replica with <c>pg_notify</c> in the same transaction,
/// so they are delivered exactly when they commit; new keys likewise (<see cref="KeyCreationNotification"/>);
/// <see cref="PostgreSqlRevocationListener"/> receives them.
/// </summary>
/// <remarks>
/// Errors: a unique violation becomes <see cref="DuplicateKeyException"/>; an unreachable,
/// restarting or refusing server becomes <see cref="StoreUnavailableException"/> (and the idle
/// connections of the pool are dropped, so the first request after the server is back gets a
/// fresh one). Reads are retried once on a fresh connection when a pooled one turns out dead;
/// deadlocks are retried. The audit trail (<see cref="IAuditLog"/>) is the <c>audit_log</c> table,
/// append-only by triggers; a created key and a rotation write their entries in their own transaction.
/// </remarks>
internal sealed class PostgreSqlKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog
{
    private const string Columns =
        "id, owner, owner_groups, name, description, hash, created_at, expires_at, revoked_at, last_used_at, labels, rotated_from, replaced_by";

    private const string AuditColumns = "sequence, at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address";

    private const int MaxConflictRetries = 5;
    /// <summary>The first and the following pages of <see cref="ListHashesAsync"/> (internal: the EXPLAIN test reads their plan).</summary>
    internal const int HashPageSize = 10_000;
    internal const string FirstHashPageSql = "SELECT hash FROM api_keys ORDER BY hash LIMIT @limit";
    internal const string NextHashPageSql = "SELECT hash FROM api_keys WHERE hash > @after ORDER BY hash LIMIT @limit";

    /// <summary>
    /// The per-owner advisory lock (two-key form: "maas" and the owner's hash; the single-key
    /// locks of migrations and signing keys live in another key space). Revoke-all takes it
    /// exclusively, adds shared; both transaction-scoped, so a dead connection never leaves it held.
    /// </summary>
    private const string OwnerLockSql = "SELECT pg_advisory_xact_lock(1835098483, hashtext(@owner))";
    private const string OwnerSharedLockSql = "SELECT pg_advisory_xact_lock_shared(1835098483, hashtext(@owner))";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly OutageLog _outages;

    /// <summary>Creates the store on a data source the caller owns.</summary>
    public PostgreSqlKeyStore(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgreSqlKeyStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _outages = new OutageLog(_timeProvider);
    }

    /// <summary>
    /// Applies pending migrations under the migration advisory lock. Throws
    /// <see cref="SchemaTooNewException"/> when a newer build wrote the database, and
    /// <see cref="StoreUnavailableException"/> when the server cannot be reached.
    /// </summary>
    public async Task<SchemaMigrationResult> InitializeAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await PostgreSqlSchema.MigrateAsync(_dataSource, _timeProvider, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgreSqlFailures.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            _dataSource.Clear();
            throw PostgreSqlFailures.Unavailable(ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            await ExecuteAsync(
                async (connection, ct) =>
                {
                    // One round trip, one implicit transaction: the shared owner lock waits out a
                    // revoke-all of this owner in flight, then the insert (a fresh snapshot) sees its
                    // instant and stores a key created up to it as revoked. Adds never wait for each other.
                    // The audit entry is in the same transaction: a server that stops before the commit
                    // keeps neither, one that commits keeps both.
                    using var batch = new NpgsqlBatch(connection);
                    var lockOwner = new NpgsqlBatchCommand(OwnerSharedLockSql);
                    lockOwner.Parameters.AddWithValue("owner", key.Owner);
                    batch.BatchCommands.Add(lockOwner);
                    batch.BatchCommands.Add(InsertCommand(key));
                    if (audit is not null)
                    {
                        batch.BatchCommands.Add(AuditInsertCommand(audit));
                    }

                    // Every replica adds the key to its membership filter when, and only if, this commits.
                    batch.BatchCommands.Add(KeyCreatedCommand(key.Hash));
                    await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    return true;
                },
                retryDeadConnection: false,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgreSqlFailures.UniqueViolation)
        {
            throw new DuplicateKeyException("An API key with the same id or hash already exists.", ex);
        }
    }

    private static NpgsqlBatchCommand InsertCommand(ApiKeyRecord key)
    {
        var insert = new NpgsqlBatchCommand(
            $"""
            INSERT INTO api_keys ({Columns}) VALUES (@id, @owner, @groups, @name, @description, @hash, @created, @expires,
                COALESCE(@revoked, (SELECT revoked_before FROM owner_revocations WHERE owner = @owner AND revoked_before >= @created)),
                @used, @labels, @rotated_from, @replaced_by)
            """);
        var p = insert.Parameters;
        p.AddWithValue("id", key.Id);
        p.AddWithValue("owner", key.Owner);
        p.AddWithValue("groups", NpgsqlDbType.Array | NpgsqlDbType.Text, key.OwnerGroups.ToArray());
        p.AddWithValue("name", key.Name);
        p.AddWithValue("description", NpgsqlDbType.Text, (object?)key.Description ?? DBNull.Value);
        p.AddWithValue("hash", NpgsqlDbType.Bytea, key.Hash.ToArray());
        p.AddWithValue("created", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(key.CreatedAt));
        p.AddWithValue("expires", NpgsqlDbType.TimestampTz, PostgreSqlSchema.ToStoredInstant(key.ExpiresAt));
        p.AddWithValue("revoked", NpgsqlDbType.TimestampTz, Instant(key.RevokedAt));
        p.AddWithValue("used", NpgsqlDbType.TimestampTz, Instant(key.LastUsedAt));
        p.AddWithValue("labels", NpgsqlDbType.Jsonb, LabelsJson.Write(key.Labels));
        p.AddWithValue("rotated_from", NpgsqlDbType.Text, (object?)key.RotatedFrom ?? DBNull.Value);
        p.AddWithValue("replaced_by", NpgsqlDbType.Text, (object?)key.ReplacedBy ?? DBNull.Value);
        return insert;
    }

    private static NpgsqlBatchCommand KeyCreatedCommand(byte[] hash)
    {
        var notify = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload)");
        notify.Parameters.AddWithValue("channel", KeyCreationNotification.Channel);
        notify.Parameters.AddWithValue("payload", KeyCreationNotification.Serialize(hash));
        return notify;
    }

    /// <inheritdoc />
    public async ValueTask<KeyRotationResult> RotateAsync(KeyRotation rotation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        var payload = RevocationNotification.Serialize(new RevocationEvent { Owner = rotation.Owner, KeyId = rotation.KeyId });
        try
        {
            return await ExecuteAsync(
                async (connection, ct) =>
                {
                    var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                    await using var transactionScope = transaction.ConfigureAwait(false);

                    // The shared owner lock, as an add: a revoke-all of this owner in flight finishes first.
                    // FOR UPDATE: two rotations of one key take turns, and the second sees replaced_by.
                    ApiKeyRecord? old;
                    using (var lockOwner = new NpgsqlCommand(OwnerSharedLockSql, connection, transaction))
                    {
                        lockOwner.Parameters.AddWithValue("owner", rotation.Owner);
                        await lockOwner.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }

                    using (var read = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id AND owner = @owner FOR UPDATE", connection, transaction))
                    {
                        read.Parameters.AddWithValue("id", rotation.KeyId);
                        read.Parameters.AddWithValue("owner", rotation.Owner);
                        old = (await ReadAllAsync(read, ct).ConfigureAwait(false)).SingleOrDefault();
                    }

                    if (old is null)
                    {
                        return new KeyRotationResult { Outcome = KeyRotationOutcome.NotFound };
                    }

                    if (rotation.RefusalFor(old) is { } refused)
                    {
                        return new KeyRotationResult { Outcome = refused, Previous = old };
                    }

                    var graceEnd = PostgreSqlSchema.ToStoredInstant(rotation.GraceEndsAt);
                    using var batch = new NpgsqlBatch(connection, transaction);
                    batch.BatchCommands.Add(InsertCommand(rotation.Replacement));
                    var update = new NpgsqlBatchCommand(
                        "UPDATE api_keys SET expires_at = LEAST(expires_at, @grace_end), replaced_by = @replaced_by WHERE id = @id AND owner = @owner");
                    update.Parameters.AddWithValue("grace_end", NpgsqlDbType.TimestampTz, graceEnd);
                    update.Parameters.AddWithValue("replaced_by", rotation.Replacement.Id);
                    update.Parameters.AddWithValue("id", rotation.KeyId);
                    update.Parameters.AddWithValue("owner", rotation.Owner);
                    batch.BatchCommands.Add(update);
                    batch.BatchCommands.Add(AuditInsertCommand(rotation.Audit));

                    // Delivered when, and only if, this commits: every replica drops what it cached
                    // about the old key (its expiry moved) and learns the new key's hash.
                    var revoked = new NpgsqlBatchCommand("SELECT pg_notify(@channel, @payload)");
                    revoked.Parameters.AddWithValue("channel", RevocationNotification.Channel);
                    revoked.Parameters.AddWithValue("payload", payload);
                    batch.BatchCommands.Add(revoked);
                    batch.BatchCommands.Add(KeyCreatedCommand(rotation.Replacement.Hash));
                    await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    var updated = rotation.Apply(old);
                    return new KeyRotationResult
                    {
                        Outcome = KeyRotationOutcome.Rotated,
                        Previous = updated with { ExpiresAt = PostgreSqlSchema.ToStoredInstant(updated.ExpiresAt) },
                    };
                },
                retryDeadConnection: false,
                cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgreSqlFailures.UniqueViolation)
        {
            throw new DuplicateKeyException("An API key with the same id or hash already exists.", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await ExecuteAsync(
            async (connection, ct) =>
            {
                using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(AuditInsertCommand(entry));
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return true;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand AuditInsertCommand(AuditEntry entry)
    {
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO audit_log (at, action, actor, subject, key_id, replaced_key_id, count, request_id, client_address) " +
            "VALUES (@at, @action, @actor, @subject, @key_id, @replaced_key_id, @count, @request_id, @client_address)");
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
        var entries = await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = AuditQueryCommand(query, connection);
                var result = new List<AuditEntry>(query.Limit + 1);
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    result.Add(new AuditEntry
                    {
                        Sequence = reader.GetInt64(0),
                        At = reader.GetFieldValue<DateTimeOffset>(1),
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
    internal static NpgsqlCommand AuditQueryCommand(AuditQuery query, NpgsqlConnection? connection)
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
        command.CommandText = $"SELECT {AuditColumns} FROM audit_log{where} ORDER BY at DESC, sequence DESC LIMIT @limit";
        return command;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);

        // Buffered: a listing is one owner's keys, and no connection is held while the caller iterates.
        var keys = await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand(
                    $"SELECT {Columns} FROM api_keys WHERE owner = @owner ORDER BY created_at DESC, id DESC",
                    connection);
                command.Parameters.AddWithValue("owner", owner);
                return await ReadAllAsync(command, ct).ConfigureAwait(false);
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);

        foreach (var key in keys)
        {
            yield return key;
        }
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> GetAsync(string owner, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id AND owner = @owner", connection);
                command.Parameters.AddWithValue("id", id);
                command.Parameters.AddWithValue("owner", owner);
                return (await ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> RevokeAsync(string owner, string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(id);
        var at = PostgreSqlSchema.ToStoredInstant(revokedAt);
        var payload = RevocationNotification.Serialize(new RevocationEvent { Owner = owner, KeyId = id });
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);
                int found;
                using (var update = new NpgsqlCommand(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE id = @id AND owner = @owner",
                    connection,
                    transaction))
                {
                    update.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, at);
                    update.Parameters.AddWithValue("id", id);
                    update.Parameters.AddWithValue("owner", owner);
                    found = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                if (found > 0)
                {
                    // Delivered to every listening replica when, and only if, the transaction commits.
                    await NotifyAsync(connection, transaction, payload, ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return found > 0;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> RevokeAllAsync(string owner, DateTimeOffset revokedBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var at = PostgreSqlSchema.ToStoredInstant(revokedBefore);
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using var transactionScope = transaction.ConfigureAwait(false);

                // The exclusive owner lock makes adds of this owner wait until this commits, and
                // revoke-alls of one owner take turns; adds already in flight commit first.
                using (var lockOwner = new NpgsqlCommand(OwnerLockSql, connection, transaction))
                {
                    lockOwner.Parameters.AddWithValue("owner", owner);
                    await lockOwner.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                DateTimeOffset effective;
                using (var upsert = new NpgsqlCommand(
                    """
                    INSERT INTO owner_revocations (owner, revoked_before) VALUES (@owner, @at)
                    ON CONFLICT (owner) DO UPDATE
                        SET revoked_before = GREATEST(owner_revocations.revoked_before, EXCLUDED.revoked_before)
                    RETURNING revoked_before
                    """,
                    connection,
                    transaction))
                {
                    upsert.Parameters.AddWithValue("owner", owner);
                    upsert.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, at);
                    var reader = await upsert.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using var readerScope = reader.ConfigureAwait(false);
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    effective = reader.GetFieldValue<DateTimeOffset>(0);
                }

                int marked;
                using (var update = new NpgsqlCommand(
                    // Keys created after the instant are new: the revoke-all does not reach them.
                    "UPDATE api_keys SET revoked_at = @at WHERE owner = @owner AND revoked_at IS NULL AND created_at <= @at",
                    connection,
                    transaction))
                {
                    update.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, at);
                    update.Parameters.AddWithValue("owner", owner);
                    marked = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                var payload = RevocationNotification.Serialize(new RevocationEvent { Owner = owner, RevokedBefore = effective });
                await NotifyAsync(connection, transaction, payload, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return marked;
            },
            retryDeadConnection: false,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> FindByHashAsync(ReadOnlyMemory<byte> hash, CancellationToken cancellationToken = default)
    {
        var bytes = hash.ToArray();
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE hash = @hash", connection);
                command.Parameters.AddWithValue("hash", NpgsqlDbType.Bytea, bytes);
                return (await ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id", connection);
                command.Parameters.AddWithValue("id", id);
                return (await ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyPage> SearchAsync(ApiKeySearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var keys = await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = PostgreSqlSearchQuery.Create(connection, Columns, search);
                return await ReadAllAsync(command, ct).ConfigureAwait(false);
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
    public async ValueTask<IReadOnlyList<string>> RevokeActiveAsync(string owner, DateTimeOffset at, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var instant = PostgreSqlSchema.ToStoredInstant(at);
        return await ExecuteAsync<IReadOnlyList<string>>(
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
            var page = await ExecuteAsync(
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
    public async ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return await ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand("SELECT revoked_before FROM owner_revocations WHERE owner = @owner", connection);
                command.Parameters.AddWithValue("owner", owner);
                var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using var readerScope = reader.ConfigureAwait(false);
                return await reader.ReadAsync(ct).ConfigureAwait(false)
                    ? reader.GetFieldValue<DateTimeOffset>(0)
                    : (DateTimeOffset?)null;
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
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
        await ExecuteAsync(
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

    /// <summary>One line per cause (no stack trace) at most every 10 seconds: an outage under load must not fill the log.</summary>
    private void LogUnavailableRateLimited(Exception exception)
    {
        var cause = PostgreSqlFailures.Describe(exception);
        if (_outages.ShouldLog(cause, out var failures))
        {
            Log.Unavailable(_logger, cause, failures);
        }
    }

    private static object Instant(DateTimeOffset? value) =>
        value is { } v ? PostgreSqlSchema.ToStoredInstant(v) : DBNull.Value;

    private static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string payload, CancellationToken cancellationToken)
    {
        using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, transaction);
        notify.Parameters.AddWithValue("channel", RevocationNotification.Channel);
        notify.Parameters.AddWithValue("payload", payload);
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<ApiKeyRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<ApiKeyRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ApiKeyRecord
            {
                Id = reader.GetString(0),
                Owner = reader.GetString(1),
                OwnerGroups = reader.GetFieldValue<string[]>(2),
                Name = reader.GetString(3),
                Description = reader.IsDBNull(4) ? null : reader.GetString(4),
                Hash = reader.GetFieldValue<byte[]>(5),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
                ExpiresAt = reader.GetFieldValue<DateTimeOffset>(7),
                RevokedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                LastUsedAt = reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                Labels = LabelsJson.Read(reader.GetString(10)),
                RotatedFrom = reader.IsDBNull(11) ? null : reader.GetString(11),
                ReplacedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
            });
        }

        return result;
    }

    /// <summary>
    /// Runs one operation on a pooled connection: retries lost deadlock races, retries a read
    /// once when a pooled connection turns out dead, and turns unavailability into
    /// <see cref="StoreUnavailableException"/>.
    /// </summary>
    private async Task<T> ExecuteAsync<T>(
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
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                return await operation(connection, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (PostgreSqlFailures.IsRetryableConflict(ex) && ++conflicts <= MaxConflictRetries)
            {
                Log.ConflictRetried(_logger, ((PostgresException)ex).SqlState, conflicts);
            }
            catch (Exception ex) when (PostgreSqlFailures.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                // Idle pooled connections are likely dead too (server restarted): drop them all.
                _dataSource.Clear();
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
}
