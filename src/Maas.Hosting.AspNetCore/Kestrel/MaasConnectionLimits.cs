using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Kestrel;

/// <summary>
/// Kestrel's connection and request limits: safe defaults computed from the process's file limit,
/// which the host's own settings may override (<c>maas-api</c> binds the <c>Kestrel</c> configuration
/// section over them: <c>Kestrel__Limits__MaxConcurrentConnections</c> and the rest of
/// <see cref="KestrelServerLimits"/>). Without a connection limit below the file
/// limit, a flood of idle connections exhausts the descriptors, Kestrel's accept loop spins and
/// the process runs out of memory; with it, connections over the limit are closed at once and the
/// host serves again as soon as the flood ends.
/// </summary>
internal static partial class MaasConnectionLimits
{
    /// <summary>
    /// Descriptors kept for everything but client connections: the loaded assemblies (the runtime holds
    /// two per assembly: measured 330 open at idle in Production once the self-service page's Razor
    /// Pages stack is loaded, about 280 before), files, signing keys, logs.
    /// </summary>
    internal const int ReservedDescriptors = 384;

    /// <summary>The default never goes above this many connections, whatever the file limit: idle connections cost memory too.</summary>
    internal const int MaxDefaultConnections = 10_000;

    /// <summary>The default never goes below this many connections, even under a tiny file limit.</summary>
    internal const int MinDefaultConnections = 16;

    /// <summary>Idle keep-alive connections are closed after this long.</summary>
    internal static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A connection must send a request's headers within this long, or be closed.</summary>
    internal static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Sets the defaults: a 1 MiB request body, the timeouts above, and <see cref="DefaultMaxConnections"/>.</summary>
    public static void Apply(KestrelServerLimits limits, int upstreamConnections)
    {
        limits.MaxRequestBodySize = 1024 * 1024;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MaxConcurrentConnections = DefaultMaxConnections(ReadFileLimit(), upstreamConnections);
    }

    /// <summary>
    /// Half of what the file limit leaves after <see cref="ReservedDescriptors"/> and the database
    /// pool (a proxied request may hold an upstream socket per client connection), clamped to
    /// [<see cref="MinDefaultConnections"/>, <see cref="MaxDefaultConnections"/>];
    /// <see cref="MaxDefaultConnections"/> when the file limit is unknown or unlimited.
    /// </summary>
    internal static long DefaultMaxConnections(long? fileLimit, int databaseConnections)
    {
        if (fileLimit is null)
        {
            return MaxDefaultConnections;
        }

        var available = (fileLimit.Value - ReservedDescriptors - databaseConnections) / 2;
        return Math.Clamp(available, MinDefaultConnections, MaxDefaultConnections);
    }

    /// <summary>The soft limit on open files (RLIMIT_NOFILE) from <c>/proc/self/limits</c>; null when unknown or unlimited.</summary>
    internal static long? ReadFileLimit(string path = "/proc/self/limits")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    return ParseSoftLimit(line["Max open files".Length..]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is not mounted: no file limit to stay under.
        }

        return null;
    }

    internal static long? ParseSoftLimit(string columns)
    {
        var soft = columns.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>Logs the limits in effect once the host has started, whoever set them.</summary>
    internal sealed class StartupLog(IOptions<KestrelServerOptions> kestrel, IHostApplicationLifetime lifetime, ILogger<StartupLog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() => LogEffective(logger, kestrel.Value.Limits));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void LogEffective(ILogger logger, KestrelServerLimits limits)
    {
        var maxConnections = limits.MaxConcurrentConnections?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
        var fileLimit = ReadFileLimit()?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
        LogLimits(logger, maxConnections, fileLimit, limits.KeepAliveTimeout, limits.RequestHeadersTimeout);
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Connection limits: at most {MaxConnections} concurrent connections (open-file limit {FileLimit}), idle keep-alive closed after {KeepAlive}, request headers due within {HeadersTimeout}")]
    private static partial void LogLimits(ILogger logger, string maxConnections, string fileLimit, TimeSpan keepAlive, TimeSpan headersTimeout);
}
