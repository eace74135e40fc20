using Maas.Hosting.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Microsoft.Extensions.Logging;

/// <summary>Console logs for a Maas host.</summary>
public static class MaasLoggingBuilderExtensions
{
    /// <summary>
    /// Logs to the console one line per event, its UTC timestamp first (<c>2026-01-01T00:00:00.000Z info: Category[1] message</c>):
    /// the text lines of <c>maas-api</c>. Scopes, and so request paths, are not printed.
    /// </summary>
    /// <returns>The logging builder.</returns>
    public static ILoggingBuilder AddMaasTextConsole(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        return logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
    }

    /// <summary>
    /// Logs to the console as one JSON object per line (UTC timestamps, scopes included), every line
    /// carrying the trace and span id of the current activity. ASP.NET Core's request scope is printed
    /// with its <c>RequestPath</c> redacted (credential-shaped segments replaced, length bounded), so a
    /// key pasted into a URL never reaches the log. Replaces a console logger added before.
    /// </summary>
    /// <returns>The logging builder.</returns>
    public static ILoggingBuilder AddMaasJsonConsole(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.Configure(o => o.ActivityTrackingOptions |= ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });

        // The console logger, with the scopes it prints redacted.
        foreach (var console in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(console);
        }

        logging.Services.AddSingleton<ILoggerProvider>(sp => new RedactingConsoleLoggerProvider(ActivatorUtilities.CreateInstance<ConsoleLoggerProvider>(sp)));
        return logging;
    }
}
