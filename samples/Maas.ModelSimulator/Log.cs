using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Maas.ModelSimulator;

/// <summary>The simulator's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "The client of {Path} went away before its answer was complete.")]
    public static partial void ClientGone(ILogger logger, PathString path);
}
