namespace Maas.Storage.Migrations;

/// <summary>
/// One step of a store's schema: a version number, what it does, and the SQL that does it.
/// Versions start at 1 and grow by one; a migration, once released, never changes.
/// </summary>
internal sealed record SchemaMigration
{
    /// <summary>Creates a migration.</summary>
    /// <param name="version">The schema version this migration brings the database to; 1 or more.</param>
    /// <param name="description">What the migration does, recorded in <c>maas_schema_version</c>.</param>
    /// <param name="sql">The statements to run, in the store's dialect; several statements may be separated by semicolons.</param>
    public SchemaMigration(int version, string description, string sql)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        Version = version;
        Description = description;
        Sql = sql;
    }

    /// <summary>Gets the schema version this migration brings the database to.</summary>
    public int Version { get; }

    /// <summary>Gets what the migration does.</summary>
    public string Description { get; }

    /// <summary>Gets the statements to run.</summary>
    public string Sql { get; }
}
