
using Microsoft.AspNetCore.Mvc.Filters;

namespace Maas.SelfService;

/// <summary>
/// The security headers of every self-service answer: a Content-Security-Policy that allows only the
/// page's own script, style sheet and form posts (no inline code, no frames, no base URL), no
/// caching (the pages show who the caller is and, once, a new key), no sniffing and no referrer.
/// </summary>
internal sealed class SelfServiceHeaders : IAsyncPageFilter
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'none'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        // What the anti-forgery system sets on every answer carrying a token (it warns when it must override anything else).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        return Task.CompletedTask;
    }

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next) => next();
}
