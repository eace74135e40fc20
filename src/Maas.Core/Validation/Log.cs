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

    [LoggerMessage(
        EventId = 1201,
        EventName = "KeyFilterLoaded",
        Level = LogLevel.Information,
        Message = "Loaded the API key membership filter: {Count} key(s), capacity {Capacity}, {Bytes} bytes.")]
    public static partial void KeyFilterLoaded(ILogger logger, int count, int capacity, long bytes);

    [LoggerMessage(
        EventId = 1202,
        EventName = "KeyFilterLoadFailed",
        Level = LogLevel.Warning,
        Message = "Could not load the API key membership filter ({ExceptionType}); keys are looked up in the store until it loads, next try in {Delay}.")]
    public static partial void KeyFilterLoadFailed(ILogger logger, string exceptionType, TimeSpan delay);
}
