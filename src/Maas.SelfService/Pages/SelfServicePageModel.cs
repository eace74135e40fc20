using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Errors;
using Maas.Hosting.Authentication;
using Maas.SelfService.Authorization;
using Maas.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Maas.SelfService.Pages;

/// <summary>
/// What every screen of <c>/keys</c> shares: who the caller is and whether they administer keys (by the
/// page's policies), and the three screens that answer instead of the one asked for, before any handler
/// runs: 401 (not signed in), 403 (an administrators' screen asked for by someone else), and 503 when what
/// the page reads or writes is down. Every action goes through the same Maas service call as its
/// REST endpoint, with the request's audit context, so the trail records page actions as it records API calls.
/// </summary>
internal abstract class SelfServicePageModel(SelfServicePageServices services) : PageModel
{
    protected SelfServicePageServices Services { get; } = services;

    /// <summary>The signed-in caller; set before any handler runs.</summary>
    public MaasUser? Caller { get; private set; }

    public bool IsAdministrator { get; private set; }

    /// <summary>The screen that answers instead of the page's own, if any.</summary>
    public ProblemScreen? Problem { get; private set; }

    /// <summary>Why the caller is not signed in, and what to do about it (the 401 screen).</summary>
    public string? SignInFailure { get; private set; }

    public string? SignInAdvice { get; private set; }

    /// <summary>Gets whether the 401 screen links to the development sign-in (on, and the caller on loopback).</summary>
    public bool OffersDevelopmentSignIn => Services.DevelopmentSignIn.Admits(HttpContext);

    /// <summary>Gets whether the caller was signed in by the development sign-in's cookie (the header offers to sign out).</summary>
    public bool SignedInForDevelopment =>
        User.Identities.Any(i => i.IsAuthenticated && string.Equals(i.AuthenticationType, DevelopmentSignIn.DevelopmentSignInDefaults.Scheme, StringComparison.Ordinal));

    /// <summary>What is down, on the 503 screen (the key store, the audit trail, the limit counters).</summary>
    public string? UnavailableService { get; private set; }

    /// <summary>Gets whether only administrators reach this screen (the administrators' policy guards its endpoint too).</summary>
    protected virtual bool ForAdministrators => false;

    /// <summary>The caller of a handler: handlers run only for a signed-in caller.</summary>
    protected MaasUser SignedIn => Caller ?? throw new InvalidOperationException("No caller: the page's sign-in check did not run.");

    protected MaasRequestContext RequestContext => HttpContext.GetMaasRequestContext();

    /// <summary>The title of the answer: the problem screen's, or <paramref name="screen"/>.</summary>
    public string TitleOr(string screen) => Problem switch
    {
        ProblemScreen.NotSignedIn => "Not signed in",
        ProblemScreen.Forbidden => "Administrators only",
        ProblemScreen.Unavailable => "Temporarily unavailable",
        _ => screen,
    };

    /// <summary>
    /// Establishes <see cref="Caller"/>, answers 401 or 403 before reading any input, and answers an outage
    /// of what the page reads or writes with the 503 screen and <c>Retry-After</c>, as the REST endpoints
    /// answer 503: the caller did nothing wrong, and a retry will do.
    /// </summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var refusal = HttpContext.Features.Get<SelfServiceAccess>()?.Refusal;
        Caller = Services.Users.Map(User);
        if (Caller is null || refusal == SelfServiceRefusal.NotSignedIn)
        {
            Caller = null;
            await ShowNotSignedInAsync().ConfigureAwait(false);
            context.Result = Page();
            return;
        }

        IsAdministrator = (await Services.Authorization.AuthorizeAsync(User, MaasSelfServiceDefaults.AdministratorPolicy).ConfigureAwait(false)).Succeeded;
        if (refusal == SelfServiceRefusal.Forbidden || (ForAdministrators && !IsAdministrator))
        {
            Problem = ProblemScreen.Forbidden;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Result = Page();
            return;
        }

        if (context.HandlerMethod is null)
        {
            // A screen asked for without one of its handlers (typed in, or a post naming no handler it has): back to the list.
            context.Result = LocalRedirect(Url.Content("~" + MaasSelfServiceDefaults.Path));
            return;
        }

        var executed = await next().ConfigureAwait(false);
        if (executed.Exception is StoreUnavailableException unavailable && !executed.ExceptionHandled)
        {
            executed.ExceptionHandled = true;
            UnavailableService = unavailable.Service;
            Problem = ProblemScreen.Unavailable;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "1";
            executed.Result = Page();
        }
    }

    /// <summary>The caller's keys, tier, limits and usage.</summary>
    protected Task<KeyListView> ReadKeyListAsync(CancellationToken cancellationToken) =>
        KeyListView.ReadAsync(Services, SignedIn, IsAdministrator, cancellationToken);

    /// <summary>The 404 of a key that does not exist or is not the caller's: the same answer either way, as the API gives.</summary>
    protected async Task<KeyListView> KeyNotFoundAsync(CancellationToken cancellationToken)
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        var list = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        list.Notice = "That key was not found among yours.";
        return list;
    }

    private async Task ShowNotSignedInAsync()
    {
        var options = Services.Options;
        var scheme = options.AuthenticationScheme;
        // The scheme already ran for this request; asking again returns its cached result and its reason.
        var result = scheme is null ? HttpContext.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult : await HttpContext.AuthenticateAsync(scheme).ConfigureAwait(false);
        // The Maas schemes read the gateway's identity headers (the "Maas" one when the request has no bearer credential).
        var gateway = scheme is MaasAuthenticationDefaults.GatewayScheme or MaasAuthenticationDefaults.AnyScheme;
        SignInFailure = result?.Failure?.Message
            ?? options.NotSignedInMessage
            ?? (gateway
                ? $"This page needs the identity the gateway sends: the {Services.Gateway.UserHeader} and {Services.Gateway.GroupHeader} headers."
                : "This page needs you signed in.");
        SignInAdvice = gateway
            ? "Open this page through the gateway that signs you in; it sends your identity with every request."
            : "Sign in, then open this page again.";
        Problem = ProblemScreen.NotSignedIn;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
    }
}

/// <summary>A screen that answers instead of the one asked for.</summary>
internal enum ProblemScreen
{
    /// <summary>No identity: what the page needs (401).</summary>
    NotSignedIn,

    /// <summary>An administrators' screen asked for by someone else (403).</summary>
    Forbidden,

    /// <summary>What the page needs is down for now (503): retry shortly.</summary>
    Unavailable,
}
