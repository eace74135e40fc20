using Microsoft.Extensions.Logging;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The logger factory handed to Npgsql: everything passes through, except that Npgsql's command
/// log (category <c>Npgsql.Command</c>, one Information line with the SQL per command: 11 MB for
/// 11,000 key creations) is kept to warnings and errors. The host's own configuration still
/// decides everything else; it does not own the inner factory, so disposing this does nothing.
/// </summary>
internal sealed class QuietCommandLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public const string CommandCategory = "Npgsql.Command";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return string.Equals(categoryName, CommandCategory, StringComparison.Ordinal) ? new WarningsOnly(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The host owns the inner factory.
    }

    private sealed class WarningsOnly(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
