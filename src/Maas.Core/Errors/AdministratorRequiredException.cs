namespace Maas.Errors;

/// <summary>
/// The caller asked for something only an administrator (<c>Maas:Admins:Groups</c>) may do, such
/// as searching or bulk revoking another user's keys. Hosts answer 403.
/// </summary>
public sealed class AdministratorRequiredException : Exception
{
    /// <summary>Creates the exception with a message saying what needed the privilege.</summary>
    public AdministratorRequiredException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AdministratorRequiredException()
        : base("Administrator privileges are required.")
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public AdministratorRequiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
