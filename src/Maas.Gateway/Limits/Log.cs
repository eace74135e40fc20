using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Limits;

/// <summary>Log messages of the limit counters. Event ids 4100-4199 are stable; no user name or credential is ever an argument.</summary>
internal static partial class Log
{
    [LoggerMessage(
        EventId = 4100,
        EventName = "LimitCountersUnavailable",
        Level = LogLevel.Warning,
        Message = "The limit counters are unavailable ({Reason} during {Operation}); calls fail {FailureMode} until they are back. {Suppressed} more failure(s) since the last report.")]
    public static partial void CountersUnavailable(ILogger logger, string reason, string operation, LimitFailureMode failureMode, long suppressed);

    [LoggerMessage(
        EventId = 4101,
        EventName = "LimitCountersRecovered",
        Level = LogLevel.Information,
        Message = "The limit counters are available again; counting resumed.")]
    public static partial void CountersRecovered(ILogger logger);

    [LoggerMessage(
        EventId = 4102,
        EventName = "LimitScriptFailed",
        Level = LogLevel.Error,
        Message = "A limit counter script failed during {Operation}, which is a bug, not an outage: {Error}")]
    public static partial void ScriptFailed(ILogger logger, string operation, string error);
}
