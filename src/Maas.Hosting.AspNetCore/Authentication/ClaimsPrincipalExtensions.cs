using System.Security.Claims;
using Maas.Users;

namespace Maas.Hosting.Authentication;

/// <summary>Turns an authenticated principal back into the <see cref="MaasUser"/> it carries.</summary>
internal static class ClaimsPrincipalExtensions
{
    public static MaasUser ToMaasUser(this ClaimsPrincipal principal)
    {
        var name = principal.FindFirstValue(ClaimTypes.Name)
            ?? throw new InvalidOperationException("The principal has no name; the endpoint must require authentication.");
        var groups = new List<string>();
        foreach (var claim in principal.FindAll(MaasAuthenticationDefaults.GroupClaim))
        {
            groups.Add(claim.Value);
        }

        return new MaasUser(name, groups);
    }
}
