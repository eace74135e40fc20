using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.Throttling;

/// <summary>
/// Counts failed authentications per client address and tells when an address must wait.
/// </summary>
/// <remarks>
/// A small table under one lock rather than <c>System.Threading.RateLimiting</c>'s
/// <c>PartitionedRateLimiter</c>: that one keeps a limiter per partition with no size bound (idle
/// ones are pruned on a timer, so an attacker rotating addresses grows it between prunes) and its
/// window limiters read the system clock, not <see cref="TimeProvider"/>. Here the table holds at
/// most <see cref="MaasAuthenticationThrottleOptions.AddressCapacity"/> entries, the oldest tracked
/// address is forgotten first (O(1), insertion order), and a request from an address with no
/// failures costs one read of a counter. The address is <see cref="ConnectionInfo.RemoteIpAddress"/>,
/// which the forwarded-headers middleware sets from <c>X-Forwarded-For</c> only for trusted proxies.
/// One instance (registered by <c>AddMaas</c>) is shared by Maas's schemes; it is public so that a
/// host's own scheme (such as the Kubernetes TokenReview scheme) counts its failures in the same table.
/// </remarks>
/// <param name="options">The limits (<see cref="MaasAuthenticationThrottleOptions"/>).</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Where the first failure of a window and the start of throttling are logged.</param>
public sealed partial class FailedAuthenticationThrottle(
    IOptionsMonitor<MaasAuthenticationThrottleOptions> options,
    TimeProvider time,
    ILogger<FailedAuthenticationThrottle> logger)
{
    /// <summary>Log lines (first failure, throttling) per window across all addresses; beyond it they are counted.</summary>
    internal const int LogLinesPerWindow = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, Entry> _entries = [];
    private readonly Queue<UInt128> _order = new();
    private int _count;
    private DateTimeOffset _logWindowStart = DateTimeOffset.MinValue;
    private int _logLines;
    private int _suppressedLines;

    /// <summary>How many addresses are tracked now (for tests and metrics).</summary>
    internal int TrackedAddresses => Volatile.Read(ref _count);

    /// <summary>Whether the caller's address is throttled; <paramref name="retryAfter"/> is how long until it may try again.</summary>
    /// <param name="context">The request, whose <see cref="ConnectionInfo.RemoteIpAddress"/> is the address.</param>
    /// <param name="retryAfter">How long the address must wait; zero when it is not throttled.</param>
    /// <returns><see langword="true"/> when the address failed too often in the current window.</returns>
    public bool IsThrottled(HttpContext context, out TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        retryAfter = TimeSpan.Zero;
        if (Volatile.Read(ref _count) == 0 || !TryGetKey(context.Connection.RemoteIpAddress, out var key))
        {
            return false;
        }

        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry) || entry.Failures < settings.FailureLimit)
            {
                return false;
            }

            var end = entry.WindowStart + settings.Window;
            if (now >= end)
            {
                return false;
            }

            retryAfter = end - now;
            return true;
        }
    }

    /// <summary>Counts a failed authentication from the caller's address; logs the first of a window and the one that starts throttling.</summary>
    /// <param name="context">The request, whose <see cref="ConnectionInfo.RemoteIpAddress"/> is the address.</param>
    /// <param name="kind">Which credential failed (named in the log line, never the credential itself).</param>
    public void RecordFailure(HttpContext context, FailedAuthenticationKind kind)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (!TryGetKey(address, out var key))
        {
            return;
        }

        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        int failures;
        DateTimeOffset windowEnd;
        int suppressed;
        bool log;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                while (_entries.Count >= settings.AddressCapacity && _order.TryDequeue(out var oldest))
                {
                    _entries.Remove(oldest);
                }

                entry = new Entry { WindowStart = now };
                _entries[key] = entry;
                _order.Enqueue(key);
                Volatile.Write(ref _count, _entries.Count);
            }
            else if (now >= entry.WindowStart + settings.Window)
            {
                entry.WindowStart = now;
                entry.Failures = 0;
            }

            failures = ++entry.Failures;
            windowEnd = entry.WindowStart + settings.Window;
            log = failures == 1 || failures == settings.FailureLimit;
            suppressed = 0;
            if (log)
            {
                if (now >= _logWindowStart + settings.Window)
                {
                    suppressed = _suppressedLines;
                    _logWindowStart = now;
                    _logLines = 0;
                    _suppressedLines = 0;
                }

                if (_logLines < LogLinesPerWindow)
                {
                    _logLines++;
                }
                else
                {
                    _suppressedLines++;
                    log = false;
                }
            }
        }

        if (suppressed > 0)
        {
            LogSuppressed(logger, suppressed, settings.Window);
        }

        if (!log)
        {
            return;
        }

        var source = Describe(address!);
        if (failures >= settings.FailureLimit)
        {
            LogThrottling(logger, source, failures, kind, settings.Window, windowEnd);
        }
        else
        {
            LogFirstFailure(logger, kind, source, windowEnd);
        }
    }

    /// <summary>IPv4 addresses count alone; IPv6 addresses per /64, the block one subscriber usually holds.</summary>
    private static bool TryGetKey(IPAddress? address, out UInt128 key)
    {
        key = default;
        if (address is null)
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return false;
        }

        key = address.AddressFamily == AddressFamily.InterNetwork
            ? ((UInt128)1 << 64) | System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[..written])
            : (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64;
        return true;
    }

    private static string Describe(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private sealed class Entry
    {
        public DateTimeOffset WindowStart { get; set; }

        public int Failures { get; set; }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information,
        Message = "Failed {Kind} authentication from {Address}; further failures from this address are counted, not logged, until {WindowEnd:O}")]
    private static partial void LogFirstFailure(ILogger logger, FailedAuthenticationKind kind, string address, DateTimeOffset windowEnd);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning,
        Message = "Throttling {Address}: {Failures} failed authentications within {Window} (the last: {Kind}); its authentication attempts are answered 429 until {WindowEnd:O}")]
    private static partial void LogThrottling(ILogger logger, string address, int failures, FailedAuthenticationKind kind, TimeSpan window, DateTimeOffset windowEnd);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning,
        Message = "{Count} failed-authentication log lines were suppressed in the last {Window} (at most 100 per window); addresses were rotating")]
    private static partial void LogSuppressed(ILogger logger, int count, TimeSpan window);
}
