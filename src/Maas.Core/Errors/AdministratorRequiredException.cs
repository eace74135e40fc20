namespace Maas.Errors;

/// <summary>
/// The caller asked for something only an administrator (<c>Maas:Admins:Groups</c>) may do, such
/// as searching or bulk revoking another user's keys. Hosts answer 403.
/// </summary>
public sealed class AdministratorRequiredException : Exception
{
    /// <summary>
    /// Why a caller established from an API key (<see cref="Users.MaasUser.FromApiKey"/>) is refused an
    /// administrator action whatever its groups. The services end such a refusal with it;
    /// a host that refuses before calling the service may too.
    /// </summary>
    public const string ApiKeyReason =
        "Administrator actions need a live sign-in (the gateway's identity headers, a cluster token or a Maas token): an API key's groups are fixed when it is created, so a key never acts as an administrator.";

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
