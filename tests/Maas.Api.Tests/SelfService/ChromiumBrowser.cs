using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// One headless Debian Chromium per test class, driven by Playwright. Browsers cannot be
/// downloaded here, so Playwright launches the system's binary: <c>chromium-headless-shell</c>, else
/// <c>chromium</c> (<c>test.sh</c> installs both packages when missing; <c>MAAS_CHROMIUM</c> names another binary).
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("MAAS_CHROMIUM");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            // Debian's headless build of the same Chromium first (what Playwright itself runs headless): it
            // leaves out the full browser's windowing and GPU process and costs about half the CPU.
            foreach (var candidate in new[] { "/usr/lib/chromium/chromium-headless-shell", "/usr/lib/chromium/chromium", "/usr/bin/chromium" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("Chromium is not installed: run 'apt-get install -y chromium' (test.sh does it when run as root), or set MAAS_CHROMIUM to a Chromium binary.");
        }
    }

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            // Root in a container: no user namespaces for the sandbox; the pages come from our own host.
            ChromiumSandbox = false,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
