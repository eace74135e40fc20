using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Maas.Gateway.Forwarding;

/// <summary>The gateway's log lines; they name models and outcomes, never a user's credential.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Upstream of model {Model} failed: {Error}")]
    public static partial void UpstreamFailed(ILogger logger, string model, ForwarderError error);

    // Per call, so Debug: the counter itself logs an outage at most every 30 s (and its end).
    [LoggerMessage(EventId = 8002, Level = LogLevel.Debug, Message = "Limit counters unavailable for tier {Tier}: the call was {Decision}")]
    public static partial void CountersUnavailable(ILogger logger, string tier, string decision);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Settling the LLM tokens of a call to model {Model} failed ({ExceptionType}); the reservation stays counted")]
    public static partial void SettleFailed(ILogger logger, string model, string exceptionType);

    // At most one line per cause every 10 s (OutageLog), with the number of calls it stands for.
    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Key store unavailable while validating a gateway call: {Reason} ({Count} call(s) answered 503 since the last such line)")]
    public static partial void StoreUnavailable(ILogger logger, string reason, int count);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Warning, Message = "Model {Model} is listed twice in the catalog; the gateway serves the first")]
    public static partial void DuplicateModel(ILogger logger, string model);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Warning, Message = "Model {Model} has the URL path {Path} of model {Other}; it is served only on the root paths (body 'model')")]
    public static partial void DuplicateRoutePath(ILogger logger, string model, string path, string other);

    [LoggerMessage(EventId = 8007, Level = LogLevel.Information, Message = "The gateway serves {Count} models now")]
    public static partial void ModelsChanged(ILogger logger, int count);

    [LoggerMessage(EventId = 8008, Level = LogLevel.Warning, Message = "Model {Model} has a URL path the router cannot take ({Path}); it is served only on the root paths (body 'model')")]
    public static partial void UnroutablePath(ILogger logger, string model, string path);
}
