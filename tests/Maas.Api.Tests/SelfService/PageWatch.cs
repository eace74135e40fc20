using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// Records what a browser context did that a test must check afterwards: every console error,
/// uncaught script error and Content-Security-Policy violation (the page's own
/// <c>securitypolicyviolation</c> event, reported through a binding), and every URL requested or
/// navigated to.
/// </summary>
public sealed class PageWatch
{
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentQueue<string> _urls = new();

    private PageWatch()
    {
    }

    public IReadOnlyCollection<string> Problems => _problems;

    public IReadOnlyCollection<string> Urls => _urls;

    public static async Task<PageWatch> AttachAsync(IBrowserContext context)
    {
        var watch = new PageWatch();
        await context.ExposeFunctionAsync<string, bool>("maasReportViolation", violation =>
        {
            watch._problems.Enqueue("CSP violation: " + violation);
            return true;
        });
        await context.AddInitScriptAsync("""
            document.addEventListener("securitypolicyviolation", e =>
              window.maasReportViolation(e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber));
            """);
        context.Request += (_, request) => watch._urls.Enqueue(request.Url);
        context.Page += (_, page) => watch.Watch(page);
        return watch;
    }

    /// <summary>Fails the test when anything went wrong in the browser; <paramref name="expected"/> lists console messages a test caused on purpose.</summary>
    public void AssertClean(params string[] expected)
    {
        var unexpected = _problems.Where(p => !expected.Any(e => p.Contains(e, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, "The browser reported: " + string.Join(" | ", unexpected));
    }

    private void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                _problems.Enqueue($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => _problems.Enqueue("script error: " + error);
        page.FrameNavigated += (_, frame) => _urls.Enqueue(frame.Url);
    }
}
