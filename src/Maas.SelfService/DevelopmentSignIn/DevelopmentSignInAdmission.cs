using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.SelfService.DevelopmentSignIn;

/// <summary>
/// Answers 404 to every request the development sign-in does not admit (not Development, not loopback),
/// first among the form's filters: before its anti-forgery check, before any handler, as if it did not exist.
/// </summary>
internal sealed class DevelopmentSignInAdmission : IAuthorizationFilter, IOrderedFilter
{
    public int Order => int.MinValue;

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.HttpContext.RequestServices.GetRequiredService<DevelopmentSignInGate>().Admits(context.HttpContext))
        {
            context.Result = new NotFoundResult();
        }
    }
}
