using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Maas.Api;

/// <summary>
/// Kestrel's connection and request limits: safe defaults computed from the process's file limit,
/// then whatever the <c>Kestrel</c> configuration section sets (<c>Kestrel__Limits__MaxConcurrentConnections</c>
/// and the rest of <see cref="KestrelServerLimits"/>). Without a connection limit below the file
/// limit, a flood of idle connections exhausts the descriptors, Kestrel's accept loop spins and
/// the process runs out of memory; with it, connections over the limit are closed at once and the
/// host serves again as soon as the flood ends.
/// </summary>
internal static partial class ConnectionLimits
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

    public static void Configure(KestrelServerOptions kestrel, IConfiguration configuration, HostSettings settings)
    {
        var limits = kestrel.Limits;
        limits.MaxRequestBodySize = 1024 * 1024;
        limits.KeepAliveTimeout = KeepAliveTimeout;
        limits.RequestHeadersTimeout = RequestHeadersTimeout;
        limits.MaxConcurrentConnections = DefaultMaxConnections(ReadFileLimit(), settings.StorageMode == "external" ? settings.DbMaxOpenConnections : 0);

        // Operators tune any of it: Kestrel:Limits:* (Kestrel__Limits__* in the environment), Kestrel:AddServerHeader...
        try
        {
            configuration.GetSection("Kestrel").Bind(kestrel);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or System.Reflection.TargetInvocationException)
        {
            // "Failed to convert configuration value 'x' at 'Kestrel:Limits:...'", or a setter's range check.
            var cause = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
            throw new HostSettingsException("invalid Kestrel configuration: " + cause.Message.ReplaceLineEndings(" "));
        }
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

    public static void LogEffective(ILogger logger, KestrelServerLimits limits)
    {
        var maxConnections = limits.MaxConcurrentConnections?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
        var fileLimit = ReadFileLimit()?.ToString(CultureInfo.InvariantCulture) ?? "unlimited";
        LogLimits(logger, maxConnections, fileLimit, limits.KeepAliveTimeout, limits.RequestHeadersTimeout);
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Connection limits: at most {MaxConnections} concurrent connections (open-file limit {FileLimit}), idle keep-alive closed after {KeepAlive}, request headers due within {HeadersTimeout}")]
    private static partial void LogLimits(ILogger logger, string maxConnections, string fileLimit, TimeSpan keepAlive, TimeSpan headersTimeout);
}
