using Microsoft.AspNetCore.Authorization;

namespace Maas.SelfService.Authorization;

/// <summary>The requirement of <see cref="MaasSelfServiceDefaults.AdministratorPolicy"/>: the principal maps to a Maas user who administers keys.</summary>
internal sealed class MaasAdministratorRequirement : IAuthorizationRequirement
{
    public static readonly MaasAdministratorRequirement Instance = new();
}
