using Microsoft.Extensions.Logging;

namespace Maas.Validation;

/// <summary>Log messages of credential validation. Event ids 1200-1299 are stable; no secret is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(
        EventId = 1200,
        EventName = "KeyUsageFlushFailed",
        Level = LogLevel.Warning,
        Message = "Could not record when {Count} API key(s) were last used ({ExceptionType}); will retry at the next flush.")]
    public static partial void KeyUsageFlushFailed(ILogger logger, int count, string exceptionType);
}
