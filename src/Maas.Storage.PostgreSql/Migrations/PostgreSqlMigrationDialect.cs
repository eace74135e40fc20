using System.Data.Common;
using Maas.Storage.Migrations;
using Npgsql;

namespace Maas.Storage.PostgreSql.Migrations;

/// <summary>
/// PostgreSQL's side of the shared migration runner: <c>applied_at</c> is a <c>timestamptz</c>,
/// and the migration transaction first takes a transaction-scoped advisory lock
/// (<c>pg_advisory_xact_lock</c>), so when several replicas start together one migrates and the
/// others wait, then find nothing left to do. The lock is released by commit or rollback, and
/// also if the connection dies, so a crashed replica never leaves it held.
/// </summary>
internal sealed class PostgreSqlMigrationDialect : SchemaMigrationDialect
{
    /// <summary>The advisory lock key that serializes schema migrations ("maas" and 1).</summary>
    public const long MigrationLockKey = 0x6D61_6173_0000_0001;

    /// <inheritdoc />
    public override string CreateVersionTableSql =>
        $"CREATE TABLE IF NOT EXISTS {VersionTable} (version integer NOT NULL PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL)";

    /// <inheritdoc />
    public override async ValueTask<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
            command.Parameters.AddWithValue("key", MigrationLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
