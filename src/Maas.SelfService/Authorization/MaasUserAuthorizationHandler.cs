using Maas.Administration;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Maas.SelfService.Authorization;

/// <summary>
/// Decides both policies of the page by the rules the REST API uses: the principal is a Maas user
/// when <see cref="MaasUserMapper"/> maps it, and an administrator when <see cref="Administrators.Includes"/>
/// says so (a member of <c>Maas:Admins:Groups</c>; a principal signed in with an API key never is).
/// Whatever scheme signed the principal in (the gateway's headers, a cookie, OpenID Connect) is the host's choice.
/// </summary>
internal sealed class MaasUserAuthorizationHandler(MaasUserMapper users, Administrators administrators) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (users.Map(context.User) is not { } user)
        {
            return Task.CompletedTask;
        }

        foreach (var requirement in context.PendingRequirements.ToList())
        {
            if (requirement is MaasUserRequirement || (requirement is MaasAdministratorRequirement && administrators.Includes(user)))
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}
