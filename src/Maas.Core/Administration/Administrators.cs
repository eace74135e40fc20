using Maas.Users;

namespace Maas.Administration;

/// <summary>
/// The one rule for who is an administrator: a caller with at least one of the configured
/// <see cref="AdministratorOptions.Groups"/>. Endpoints ask <see cref="MaasService.IsAdministrator"/>, never the groups.
/// </summary>
internal sealed class Administrators
{
    private readonly HashSet<string> _groups;

    public Administrators(AdministratorOptions options)
    {
        _groups = new HashSet<string>(options.Groups.Where(g => !string.IsNullOrWhiteSpace(g)), StringComparer.Ordinal);
    }

    public bool Includes(MaasUser user)
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
}
