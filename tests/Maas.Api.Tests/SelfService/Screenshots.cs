using Maas.Testing;
using Microsoft.Playwright;

namespace Maas.Api.Tests.SelfService;

/// <summary>
/// Where the browser tests put their screenshots: a temporary folder, deleted afterwards, unless
/// <c>MAAS_REFRESH_SCREENSHOTS=1</c> asks to replace the committed ones in <c>docs/screenshots/</c>
/// (so an ordinary run never changes the repository).
/// </summary>
public sealed class Screenshots : IDisposable
{
    private readonly Maas.Testing.TemporaryDirectory? _temporary;

    public Screenshots()
    {
        if (Environment.GetEnvironmentVariable("MAAS_REFRESH_SCREENSHOTS") == "1")
        {
            Folder = Path.Combine(RepositoryCheckout.Root, "docs", "screenshots");
            Directory.CreateDirectory(Folder);
        }
        else
        {
            _temporary = new Maas.Testing.TemporaryDirectory();
            Folder = _temporary.Path;
        }
    }

    public string Folder { get; }

    public async Task TakeAsync(IPage page, string name)
    {
        var path = Path.Combine(Folder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide });
        Assert.True(new FileInfo(path).Length > 0, $"the screenshot {name} is empty");
    }

    public void Dispose() => _temporary?.Dispose();
}
