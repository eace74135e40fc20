using Maas.Errors;
using Maas.Users;

namespace Maas.Administration;

/// <summary>
/// The one rule for who is an administrator: a caller with at least one of the configured
/// <see cref="AdministratorOptions.Groups"/>, established from a live identity or a Maas token, never
/// from an API key (whose groups were fixed when it was created). Endpoints ask
/// <see cref="MaasService.IsAdministrator"/>, never the groups.
/// </summary>
internal sealed class Administrators
{
    private readonly HashSet<string> _groups;

    public Administrators(AdministratorOptions options)
    {
        _groups = new HashSet<string>(options.Groups.Where(g => !string.IsNullOrWhiteSpace(g)), StringComparer.Ordinal);
    }

    public bool Includes(MaasUser user) => !user.FromApiKey && NamesAdministratorGroup(user);

    /// <summary>
    /// Whether the user's groups name an administrator group, however they were established: true for
    /// an administrator, and for an API key that an administrator created (its owner may have left the group since).
    /// </summary>
    public bool NamesAdministratorGroup(MaasUser user)
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
    public static AdministratorRequiredException Refusal(MaasUser user, string message) =>
        new(user.FromApiKey ? message + " " + AdministratorRequiredException.ApiKeyReason : message);
}
