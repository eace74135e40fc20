using Microsoft.Extensions.Logging;

namespace Maas.Testing;

/// <summary>
/// Loggers that are on from <see cref="LogLevel.Warning"/> up and write nowhere. A host that logs, as
/// every real host does, has ASP.NET Core start an <c>Activity</c> per request (it does so when
/// its diagnostics logger is on, or when something listens): the audit trail's request id is that
/// activity's trace id, a caller's <c>traceparent</c> included. <see cref="MaasTestHost"/> keeps that
/// without printing anything.
/// </summary>
internal sealed class DiscardingLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => DiscardingLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class DiscardingLogger : ILogger
    {
        public static readonly DiscardingLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
