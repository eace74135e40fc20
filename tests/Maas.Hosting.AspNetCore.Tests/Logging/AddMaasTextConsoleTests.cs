using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Hosting.AspNetCore.Tests.Logging;

/// <summary>An embedder's text console logs with <c>AddMaasTextConsole()</c>; replaces <see cref="Console.Out"/>, so it runs alone.</summary>
[Collection(nameof(ConsoleOutput))]
public sealed partial class AddMaasTextConsoleTests
{
    private static readonly Func<ILogger, string, IDisposable?> RequestScope = LoggerMessage.DefineScope<string>("scope {RequestPath}");

    private static readonly Action<ILogger, int, Exception?> Answered = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(7), "answered {Status}");

    [Fact]
    public void Each_event_is_one_line_starting_with_its_utc_timestamp()
    {
        using var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var services = new ServiceCollection();
            services.AddLogging(logging => logging.AddMaasTextConsole());
            using (var provider = services.BuildServiceProvider())
            {
                var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Embedder");
                using (RequestScope(logger, "/v1/lookup/secret"))
                {
                    Answered(logger, 200, null);
                }
            } // disposing the console logger flushes its queue
        }
        finally
        {
            Console.SetOut(original);
        }

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(TextLine(), line.TrimEnd('\r'));
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn: Embedder\[7\] answered 200$")]
    private static partial Regex TextLine();
}
