using System.Data.Common;

namespace Maas.Storage.Migrations;

/// <summary>
/// What differs between databases when migrating: how the version table is declared, and how
/// the migration transaction is started so that only one process migrates at a time
/// (<c>BEGIN IMMEDIATE</c> on SQLite, a transaction-scoped advisory lock on PostgreSQL).
/// </summary>
internal abstract class SchemaMigrationDialect
{
    /// <summary>The name of the table that records applied migrations.</summary>
    public const string VersionTable = "maas_schema_version";

    /// <summary>
    /// Gets the statement that creates <see cref="VersionTable"/> when it is missing, with the
    /// columns <c>version</c> (integer primary key), <c>description</c> (text) and
    /// <c>applied_at</c> (a type that accepts a <see cref="DateTimeOffset"/> parameter).
    /// </summary>
    /// <value>The default declares <c>applied_at</c> as <c>TEXT</c>.</value>
    public virtual string CreateVersionTableSql =>
        $"CREATE TABLE IF NOT EXISTS {VersionTable} (version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)";

    /// <summary>Gets the prefix of named parameters in commands.</summary>
    /// <value>The default is <c>@</c>, understood by SQLite and Npgsql.</value>
    public virtual string ParameterPrefix => "@";

    /// <summary>
    /// Begins the transaction in which pending migrations are applied, holding whatever lock
    /// keeps other processes from migrating the same database at the same time.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock.</param>
    public abstract ValueTask<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken);
}
