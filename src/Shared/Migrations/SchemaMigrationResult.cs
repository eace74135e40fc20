namespace Maas.Storage.Migrations;

/// <summary>What a migration run found and did.</summary>
/// <param name="FromVersion">The schema version before the run; 0 for an empty database.</param>
/// <param name="ToVersion">The schema version after the run.</param>
internal readonly record struct SchemaMigrationResult(int FromVersion, int ToVersion)
{
    /// <summary>Gets how many migrations were applied.</summary>
    public int Applied => ToVersion - FromVersion;
}
