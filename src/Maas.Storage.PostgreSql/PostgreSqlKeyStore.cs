using System.Runtime.CompilerServices;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Revocation;
using Maas.Storage.Migrations;
using Maas.Storage.PostgreSql.Migrations;
using Maas.Storage.PostgreSql.Revocation;
using Maas.Usage;
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
/// deadlocks are retried (<see cref="PostgreSqlDatabase"/>). The audit trail (<see cref="IAuditLog"/>,
/// <see cref="PostgreSqlAuditLog"/>) is the <c>audit_log</c> table, append-only by triggers; a
/// created key and a rotation write their entries in their own transaction. The usage ledger
/// (<see cref="IUsageLedger"/>, <see cref="PostgreSqlUsageLedger"/>) is <c>usage_ledger</c>.
/// </remarks>
internal sealed partial class PostgreSqlKeyStore : IKeyStore, IKeyAdministrationStore, IKeyUsageStore, IAuditLog, IUsageLedger, IEphemeralKeyStore
{
    private const string Columns = PostgreSqlKeyRows.Columns;

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
    private readonly PostgreSqlDatabase _database;
    private readonly PostgreSqlAuditLog _auditLog;
    private readonly PostgreSqlUsageLedger _ledger;

    /// <summary>Creates the store on a data source the caller owns.</summary>
    public PostgreSqlKeyStore(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgreSqlKeyStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _database = new PostgreSqlDatabase(dataSource, _timeProvider, _logger);
        _auditLog = new PostgreSqlAuditLog(_database);
        _ledger = new PostgreSqlUsageLedger(_database);
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
            await _database.ExecuteAsync(
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
                    batch.BatchCommands.Add(PostgreSqlKeyRows.InsertCommand(key));
                    if (audit is not null)
                    {
                        batch.BatchCommands.Add(PostgreSqlAuditLog.InsertCommand(audit));
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
            return await _database.ExecuteAsync(
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
                        old = (await PostgreSqlKeyRows.ReadAllAsync(read, ct).ConfigureAwait(false)).SingleOrDefault();
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
                    batch.BatchCommands.Add(PostgreSqlKeyRows.InsertCommand(rotation.Replacement));
                    var update = new NpgsqlBatchCommand(
                        "UPDATE api_keys SET expires_at = LEAST(expires_at, @grace_end), replaced_by = @replaced_by WHERE id = @id AND owner = @owner");
                    update.Parameters.AddWithValue("grace_end", NpgsqlDbType.TimestampTz, graceEnd);
                    update.Parameters.AddWithValue("replaced_by", rotation.Replacement.Id);
                    update.Parameters.AddWithValue("id", rotation.KeyId);
                    update.Parameters.AddWithValue("owner", rotation.Owner);
                    batch.BatchCommands.Add(update);
                    batch.BatchCommands.Add(PostgreSqlAuditLog.InsertCommand(rotation.Audit));

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
    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default) => _auditLog.AppendAsync(entry, cancellationToken);

    /// <inheritdoc />
    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _auditLog.QueryAsync(query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default) => _ledger.AppendAsync(batch, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default) => _ledger.QueryAsync(query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default) => _ledger.ReportAsync(query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => _ledger.DeleteBeforeAsync(before, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ApiKeyRecord> ListAsync(string owner, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);

        // Buffered: a listing is one owner's keys, and no connection is held while the caller iterates.
        var keys = await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand(
                    $"SELECT {Columns} FROM api_keys WHERE owner = @owner ORDER BY created_at DESC, id DESC",
                    connection);
                command.Parameters.AddWithValue("owner", owner);
                return await PostgreSqlKeyRows.ReadAllAsync(command, ct).ConfigureAwait(false);
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
        return await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE id = @id AND owner = @owner", connection);
                command.Parameters.AddWithValue("id", id);
                command.Parameters.AddWithValue("owner", owner);
                return (await PostgreSqlKeyRows.ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
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
        return await _database.ExecuteAsync(
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
        return await _database.ExecuteAsync(
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
        return await _database.ExecuteAsync(
            async (connection, ct) =>
            {
                using var command = new NpgsqlCommand($"SELECT {Columns} FROM api_keys WHERE hash = @hash", connection);
                command.Parameters.AddWithValue("hash", NpgsqlDbType.Bytea, bytes);
                return (await PostgreSqlKeyRows.ReadAllAsync(command, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            retryDeadConnection: true,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<DateTimeOffset?> GetRevokedBeforeAsync(string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return await _database.ExecuteAsync(
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

    private static async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string payload, CancellationToken cancellationToken)
    {
        using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection, transaction);
        notify.Parameters.AddWithValue("channel", RevocationNotification.Channel);
        notify.Parameters.AddWithValue("payload", payload);
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
