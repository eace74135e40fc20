using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Maas.Storage.Migrations;

/// <summary>
/// Applies a store's pending migrations in order, inside one transaction started by the
/// <see cref="SchemaMigrationDialect"/>, and records each in <c>maas_schema_version</c>.
/// A database whose recorded version is newer than the newest migration known here is refused
/// with a <see cref="SchemaTooNewException"/>.
/// </summary>
internal sealed partial class SchemaMigrator
{
    private readonly SchemaMigration[] _migrations;
    private readonly SchemaMigrationDialect _dialect;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates a migrator.</summary>
    /// <param name="migrations">Every migration of the store, versions 1, 2, 3… without gaps, in any order.</param>
    /// <param name="dialect">How the database declares the version table and locks for migration.</param>
    /// <param name="timeProvider">The clock for <c>applied_at</c>; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Where applied migrations are logged; nowhere when <see langword="null"/>.</param>
    public SchemaMigrator(
        IEnumerable<SchemaMigration> migrations,
        SchemaMigrationDialect dialect,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(dialect);
        _migrations = [.. migrations.OrderBy(m => m.Version)];
        for (var i = 0; i < _migrations.Length; i++)
        {
            if (_migrations[i].Version != i + 1)
            {
                throw new ArgumentException(
                    $"Migrations must be numbered 1, 2, 3… without gaps or repeats; found version {_migrations[i].Version} where {i + 1} was expected.",
                    nameof(migrations));
            }
        }

        _dialect = dialect;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Gets the newest schema version this build knows; 0 when there are no migrations.</summary>
    public int LatestVersion => _migrations.Length;

    /// <summary>Gets the migrations, ordered by version.</summary>
    public IReadOnlyList<SchemaMigration> Migrations => _migrations;

    /// <summary>
    /// Brings the database on <paramref name="connection"/> to <see cref="LatestVersion"/>.
    /// Either every pending migration is applied or none is.
    /// </summary>
    /// <param name="connection">The connection to migrate; opened here if it is closed.</param>
    /// <param name="cancellationToken">Cancels the run; nothing is applied then.</param>
    /// <returns>The versions before and after.</returns>
    /// <exception cref="SchemaTooNewException">The database was written by a newer build.</exception>
    public async Task<SchemaMigrationResult> MigrateAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        var transaction = await _dialect.BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, transaction, _dialect.CreateVersionTableSql, cancellationToken).ConfigureAwait(false);
            var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (current > LatestVersion)
            {
                throw new SchemaTooNewException(current, LatestVersion);
            }

            foreach (var migration in _migrations.Where(m => m.Version > current))
            {
                await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
                await RecordAsync(connection, transaction, migration, cancellationToken).ConfigureAwait(false);
                Log.MigrationApplied(_logger, migration.Version, migration.Description);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new SchemaMigrationResult(current, Math.Max(current, LatestVersion));
        }
    }

    /// <summary>Reads the schema version recorded in the database; 0 when nothing was ever applied.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public async Task<int> ReadVersionAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var transaction = await _dialect.BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, transaction, _dialect.CreateVersionTableSql, cancellationToken).ConfigureAwait(false);
            var version = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return version;
        }
    }

    private static async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
            command.CommandText = $"SELECT COALESCE(MAX(version), 0) FROM {SchemaMigrationDialect.VersionTable}";
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return Convert.ToInt32(value, CultureInfo.InvariantCulture);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = transaction;
#pragma warning disable CA2100 // The SQL is the store's own migration text, never user input.
            command.CommandText = sql;
#pragma warning restore CA2100
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecordAsync(DbConnection connection, DbTransaction transaction, SchemaMigration migration, CancellationToken cancellationToken)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            var p = _dialect.ParameterPrefix;
            command.Transaction = transaction;
#pragma warning disable CA2100 // Only the table name and the dialect's parameter prefix are interpolated.
            command.CommandText =
                $"INSERT INTO {SchemaMigrationDialect.VersionTable} (version, description, applied_at) VALUES ({p}version, {p}description, {p}applied_at)";
#pragma warning restore CA2100
            AddParameter(command, "version", migration.Version);
            AddParameter(command, "description", migration.Description);
            AddParameter(command, "applied_at", _timeProvider.GetUtcNow());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Applied schema migration {Version}: {Description}")]
        public static partial void MigrationApplied(ILogger logger, int version, string description);
    }
}
