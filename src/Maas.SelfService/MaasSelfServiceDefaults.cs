namespace Maas.SelfService;

/// <summary>The names the self-service page registers: its authorization policies and where it answers.</summary>
public static class MaasSelfServiceDefaults
{
    /// <summary>
    /// The policy of every screen: the caller is signed in as a Maas user (the host's sign-in gives a
    /// principal that <c>MaasUserMapper</c> maps: a valid name and at most 512 groups).
    /// </summary>
    public const string UserPolicy = "Maas.SelfService.User";

    /// <summary>
    /// The policy of the administrators' screens (search, bulk revocation, audit trail, usage report): a Maas user
    /// whom <c>Administrators.Includes</c> counts as an administrator (a member of one of
    /// <c>Maas:Admins:Groups</c>, never signed in with an API key).
    /// </summary>
    public const string AdministratorPolicy = "Maas.SelfService.Administrator";

    /// <summary>Where the list of the caller's keys answers; the other screens answer under it.</summary>
    public const string Path = "/keys";
}
