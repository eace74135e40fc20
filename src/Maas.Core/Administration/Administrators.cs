using Maas.Errors;
using Maas.Users;

namespace Maas.Administration;

/// <summary>
/// The one rule for who is an administrator: a caller with at least one of the configured
/// <see cref="AdministratorOptions.Groups"/>, established from a live identity or a Maas token, never
/// from an API key (whose groups were fixed when it was created). Endpoints and pages ask
/// <see cref="Includes"/>, never the groups. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class Administrators
{
    private readonly HashSet<string> _groups;

    internal Administrators(AdministratorOptions options)
    {
        _groups = new HashSet<string>(options.Groups.Where(g => !string.IsNullOrWhiteSpace(g)), StringComparer.Ordinal);
    }

    /// <summary>
    /// Tells whether <paramref name="user"/> administers keys: a member of one of the configured
    /// <c>Maas:Admins:Groups</c>, not established from an API key (<see cref="MaasUser.FromApiKey"/>:
    /// a key's groups are fixed when it is created, so its owner may have left the group since).
    /// Administrators may search, read and revoke any user's keys and read the audit trail.
    /// </summary>
    public bool Includes(MaasUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return !user.FromApiKey && NamesAdministratorGroup(user);
    }

    /// <summary>
    /// Whether the user's groups name an administrator group, however they were established: true for
    /// an administrator, and for an API key that an administrator created (its owner may have left the group since).
    /// </summary>
    internal bool NamesAdministratorGroup(MaasUser user)
    {
        if (_groups.Count == 0)
        {
            return false;
        }

        foreach (var group in user.Groups)
        {
            if (_groups.Contains(group))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The refusal of an administrator action: <paramref name="message"/>, followed for a user from an
    /// API key by <see cref="AdministratorRequiredException.ApiKeyReason"/>.
    /// </summary>
    internal static AdministratorRequiredException Refusal(MaasUser user, string message) =>
        new(user.FromApiKey ? message + " " + AdministratorRequiredException.ApiKeyReason : message);
}
