using System.Runtime.InteropServices;

namespace Maas.Logging;

/// <summary>
/// Decides when an outage seen by a request is worth a log line: one line per cause at most every
/// <see cref="Interval"/> for the whole process, carrying how many occurrences it stands for. One
/// instance (a singleton) is shared by every request of a component that answers an outage per
/// request (the hosting package's error filter; the gateway), so a store that is down under load
/// writes a handful of lines, not one per answer. One source file compiled into the hosting
/// package, the gateway and the PostgreSQL store, each keeping its own for its own lines (no
/// package sees another's internals).
/// </summary>
/// <remarks>
/// A cause is a short text naming what failed (such as a store's <c>StoreUnavailableException</c>
/// message); the stores keep those messages to a small fixed set. Should a store ever make them
/// unbounded, causes beyond <see cref="MaxCauses"/> share one window, so memory stays bounded.
/// </remarks>
internal sealed class OutageLog(TimeProvider time)
{
    /// <summary>The shortest time between two lines about the same cause.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>How many causes get a window of their own.</summary>
    internal const int MaxCauses = 64;

    private const string OtherCauses = "";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>
    /// Records one occurrence of <paramref name="cause"/>. Returns <see langword="true"/> when a line
    /// is due now, with <paramref name="occurrences"/> the number of occurrences it stands for (this one
    /// and those held back since the last line); otherwise the occurrence is counted for the next line.
    /// </summary>
    public bool ShouldLog(string cause, out int occurrences)
    {
        ArgumentNullException.ThrowIfNull(cause);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            var key = _windows.Count < MaxCauses || _windows.ContainsKey(cause) ? cause : OtherCauses;
            ref var window = ref CollectionsMarshal.GetValueRefOrAddDefault(_windows, key, out _);
            window ??= new Window();

            // Saturating: a count held back for years still fits.
            if (window.Held < int.MaxValue)
            {
                window.Held++;
            }

            if (window.LastLogged is { } last && time.GetElapsedTime(last, now) < Interval)
            {
                occurrences = 0;
                return false;
            }

            window.LastLogged = now;
            occurrences = window.Held;
            window.Held = 0;
            return true;
        }
    }

    private sealed class Window
    {
        public long? LastLogged { get; set; }

        public int Held { get; set; }
    }
}
