using Microsoft.Extensions.Logging;

namespace Maas.Storage.PostgreSql;

/// <summary>
/// The logger factory handed to Npgsql: its categories (<c>Npgsql.*</c>) are kept to warnings and
/// errors. At Information Npgsql logs one line with the SQL per command (<c>Npgsql.Command</c>:
/// 11 MB for 11,000 key creations) and its connection chatter (<c>Npgsql.Connection</c>, such as
/// "Starting to wait" each time the revocation listener waits, every 5 s forever); Maas logs the
/// outages itself, one line per cause. The host's own configuration still applies on top; this
/// does not own the inner factory, so disposing it does nothing.
/// </summary>
internal sealed class QuietNpgsqlLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public const string CommandCategory = "Npgsql.Command";

    public const string ConnectionCategory = "Npgsql.Connection";

    public ILogger CreateLogger(string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        var logger = inner.CreateLogger(categoryName);
        return categoryName.StartsWith("Npgsql", StringComparison.Ordinal) ? new WarningsOnly(logger) : logger;
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
