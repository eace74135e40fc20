using Maas.Hosting.Authentication;
using Microsoft.Extensions.FileProviders;

namespace Maas.Api.SelfService;

/// <summary>
/// The self-service page at <see cref="Path"/> (also under <c>/maas-api/keys</c>): a person behind the
/// gateway lists, creates, rotates and revokes their own API keys and sees their tier, limits and
/// usage; an administrator also searches anyone's keys, bulk revokes a user's and reads the audit trail.
/// </summary>
/// <remarks>
/// Razor Pages rather than Razor components or a script front end: every screen is rendered on the
/// server and changed by plain form posts, so the page works without JavaScript, needs no front-end
/// build, and gets the framework's anti-forgery validation on every POST for free. The one script
/// (the copy button) and the style sheet are embedded in the assembly and served by the static-file
/// middleware, so the strict Content-Security-Policy (<see cref="SelfServiceHeaders"/>) allows no
/// inline code. Identity is the gateway's, read by the same <c>MaasGateway</c> scheme as the REST API.
/// A screen is a <see cref="Pages.KeysScreen"/> value, the <c>OnPost…Async</c> handler of
/// <see cref="Pages.KeysModel"/> that decides it, and its block in <c>Keys.cshtml</c>; an action on a
/// key is one more small form in the key's row, posting the key's id in the body.
/// </remarks>
internal static class SelfServicePage
{
    /// <summary>Where the page answers; clashes with neither <c>/v1/</c>, the models' paths nor <c>/maas-api/</c>.</summary>
    public const string Path = "/keys";

    /// <summary>Where the style sheet and script are served.</summary>
    public const string AssetsPath = Path + "/assets";

    /// <summary>
    /// Signs the caller in with the gateway's headers and lets everyone reach the page, so that a caller
    /// without identity gets the page's own "who are you" screen (401) instead of the REST API's JSON
    /// challenge. An authorization policy needs one requirement; this one always holds.
    /// </summary>
    public const string PolicyName = "Maas.SelfService";

    public static void AddServices(WebApplicationBuilder builder)
    {
        builder.Services.AddRazorPages(options =>
        {
            options.RootDirectory = "/SelfService/Pages";
            options.Conventions.AuthorizeFolder("/", PolicyName);
            options.Conventions.ConfigureFilter(new SelfServiceHeaders());
        });
        builder.Services.AddAuthorizationBuilder().AddPolicy(PolicyName, policy => policy
            .AddAuthenticationSchemes(MaasAuthenticationDefaults.GatewayScheme)
            .RequireAssertion(_ => true));
    }

    /// <summary>Serves the page's style sheet and script; call before authentication, after routing.</summary>
    public static void UseAssets(WebApplication app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(SelfServicePage).Assembly, "Maas.Api.SelfService.Assets"),
            RequestPath = AssetsPath,
            OnPrepareResponse = context => context.Context.Response.Headers.XContentTypeOptions = "nosniff",
        });

    public static void Map(WebApplication app) => app.MapRazorPages();
}
