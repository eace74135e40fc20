using Microsoft.Extensions.Logging;

namespace Maas.Storage.PostgreSql;

/// <summary>The external store's log lines. Event ids are stable; no connection string or secret is ever an argument.</summary>
internal static partial class Log
{
    // One line per cause at most every 10 s (OutageLog), without a stack trace: the cause names what failed.
    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "The PostgreSQL key store is unavailable: {Cause} ({Count} operation(s) failed since the last such line)")]
    public static partial void Unavailable(ILogger logger, string cause, int count);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "PostgreSQL transaction lost a race ({SqlState}); retry {Attempt}")]
    public static partial void ConflictRetried(ILogger logger, string sqlState, int attempt);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Listening for revocations on PostgreSQL channel {Channel}")]
    public static partial void Listening(ILogger logger, string channel);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Revocation listener lost its PostgreSQL connection; reconnecting in {Delay}")]
    public static partial void ListenerDropped(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Warning, Message = "Revocation listener cannot use PostgreSQL: {Cause} Reconnecting in {Delay} ({Count} failure(s) since the last such line)")]
    public static partial void ListenerUnavailable(ILogger logger, string cause, TimeSpan delay, int count);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Revocation listener reconnected; caches resynchronize")]
    public static partial void ListenerResynchronized(ILogger logger);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Warning, Message = "Revocation listener's PostgreSQL connection did not answer a ping within {PingTimeout} after {PingInterval} of silence; reconnecting")]
    public static partial void ListenerHung(ILogger logger, TimeSpan pingInterval, TimeSpan pingTimeout);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Error, Message = "A revocation subscriber failed")]
    public static partial void SubscriberFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Created signing key {KeyId} in the database")]
    public static partial void SigningKeyCreated(ILogger logger, string keyId);
}
