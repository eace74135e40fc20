namespace Maas.Storage.Migrations;

/// <summary>
/// Thrown when the database was migrated by a newer build of Maas than this one: the store
/// refuses to start rather than guess at a schema it does not know.
/// </summary>
public sealed class SchemaTooNewException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public SchemaTooNewException()
        : base("The database schema is newer than this build supports; upgrade Maas.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SchemaTooNewException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SchemaTooNewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for the two versions.</summary>
    /// <param name="databaseVersion">The version recorded in the database.</param>
    /// <param name="supportedVersion">The newest version this build knows.</param>
    public SchemaTooNewException(int databaseVersion, int supportedVersion)
        : base($"database schema version {databaseVersion} is newer than this build supports ({supportedVersion}); upgrade Maas")
    {
        DatabaseVersion = databaseVersion;
        SupportedVersion = supportedVersion;
    }

    /// <summary>Gets the version recorded in the database.</summary>
    public int DatabaseVersion { get; }

    /// <summary>Gets the newest version this build knows.</summary>
    public int SupportedVersion { get; }
}
