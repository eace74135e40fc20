using System.Security.Claims;
using Maas.Hosting.Authentication;
using Maas.SelfService.DevelopmentSignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/sign-in</c>, the development sign-in (<see cref="MaasSelfServiceOptions.DevelopmentSignIn"/>): a
/// user name and groups become the development cookie, mapped as any principal is (<see cref="MaasUserMapper"/>),
/// then the browser goes to <c>/keys</c> (Post/Redirect/Get). Only routed when the sign-in is on, and a 404 to
/// any request <see cref="DevelopmentSignInGate"/> does not admit (<see cref="DevelopmentSignInAdmission"/>).
/// </summary>
internal sealed class DevelopmentSignInModel(MaasUserMapper users, IOptionsMonitor<MaasClaimsOptions> claims) : PageModel
{
    /// <summary>The separators of the groups field: what people type between groups.</summary>
    private static readonly char[] GroupSeparators = [',', ' ', '\t', '\r', '\n'];

    /// <summary>The most groups a principal may carry (<see cref="MaasUserMapper"/>'s bound).</summary>
    private const int MaxGroups = 512;

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Groups { get; set; }

    public FormRefusal Refusal { get; } = new();

    /// <summary>Who the development cookie signs in now, if anyone.</summary>
    public string? SignedInAs { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        Groups = "system:authenticated";
        await ReadCurrentAsync().ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var name = UserName?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return await RefuseAsync("user", "Type the user name to sign in as.").ConfigureAwait(false);
        }

        var types = claims.CurrentValue;
        var identity = new ClaimsIdentity(DevelopmentSignInDefaults.Scheme, types.NameClaimType, types.GroupClaimType);
        identity.AddClaim(new Claim(types.NameClaimType, name));
        foreach (var group in (Groups ?? "").Split(GroupSeparators, StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal))
        {
            identity.AddClaim(new Claim(types.GroupClaimType, group));
        }

        var principal = new ClaimsPrincipal(identity);
        if (users.Map(principal) is null)
        {
            // What the mapper refuses: a name too long or with control characters, or too many groups.
            return identity.FindAll(types.GroupClaimType).Count() > MaxGroups
                ? await RefuseAsync("groups", $"At most {MaxGroups} groups.").ConfigureAwait(false)
                : await RefuseAsync("user", "Not a user name Maas accepts: at most 512 characters, no control characters.").ConfigureAwait(false);
        }

        await HttpContext.SignInAsync(DevelopmentSignInDefaults.Scheme, principal, new AuthenticationProperties { IsPersistent = false }).ConfigureAwait(false);
        return LocalRedirect(Url.Content("~" + MaasSelfServiceDefaults.Path));
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(DevelopmentSignInDefaults.Scheme).ConfigureAwait(false);
        return LocalRedirect(Url.Content("~" + DevelopmentSignInDefaults.Path));
    }

    private async Task<IActionResult> RefuseAsync(string field, string message)
    {
        Refusal.Refuse(field, message);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        await ReadCurrentAsync().ConfigureAwait(false);
        return Page();
    }

    private async Task ReadCurrentAsync()
    {
        var current = await HttpContext.AuthenticateAsync(DevelopmentSignInDefaults.Scheme).ConfigureAwait(false);
        SignedInAs = current.Succeeded && current.Principal is { } principal ? users.Map(principal)?.Name : null;
    }
}
