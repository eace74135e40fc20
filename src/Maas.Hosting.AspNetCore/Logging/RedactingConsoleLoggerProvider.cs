using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Maas.Hosting.Logging;

/// <summary>The console logger, printing scopes through <see cref="RequestPathRedactingScopeProvider"/>.</summary>
[ProviderAlias("Console")]
internal sealed class RedactingConsoleLoggerProvider(ConsoleLoggerProvider console) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => console.CreateLogger(categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) =>
        console.SetScopeProvider(new RequestPathRedactingScopeProvider(scopeProvider));

    public void Dispose() => console.Dispose();
}
