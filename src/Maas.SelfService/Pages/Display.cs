using System.Globalization;

namespace Maas.SelfService.Pages;

/// <summary>How the screens show times, windows and counts.</summary>
internal static class Display
{
    /// <summary>How an audit instant is shown: UTC, to the second.</summary>
    public static string ShowPrecisely(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy'-'MM'-'dd HH':'mm':'ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How a count of keys is shown: "1 key", "3 keys".</summary>
    public static string ShowKeys(int count) => count == 1 ? "1 key" : $"{Show(count)} keys";

    /// <summary>How a time is shown: UTC, to the minute.</summary>
    public static string Show(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy'-'MM'-'dd HH':'mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How a window is shown: "2 minutes", "1 minute", "90 seconds".</summary>
    public static string Show(TimeSpan window) =>
        window.TotalMinutes is var minutes && minutes == Math.Floor(minutes) && minutes >= 1
            ? (minutes == 1 ? "minute" : $"{minutes.ToString(CultureInfo.InvariantCulture)} minutes")
            : $"{window.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds";

    public static string Show(long number) => number.ToString("N0", CultureInfo.InvariantCulture);
}
