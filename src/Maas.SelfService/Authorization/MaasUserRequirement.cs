using Microsoft.AspNetCore.Authorization;

namespace Maas.SelfService.Authorization;

/// <summary>The requirement of <see cref="MaasSelfServiceDefaults.UserPolicy"/>: the principal maps to a Maas user.</summary>
internal sealed class MaasUserRequirement : IAuthorizationRequirement
{
    public static readonly MaasUserRequirement Instance = new();
}
