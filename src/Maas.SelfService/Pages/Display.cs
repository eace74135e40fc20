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

    /// <summary>How a day is shown in a table: "2026-11-27".</summary>
    public static string Show(DateOnly day) => day.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture);

    /// <summary>How a day is shown under a chart: "27 Nov".</summary>
    public static string ShowShort(DateOnly day) => day.ToString("d MMM", CultureInfo.InvariantCulture);

    /// <summary>How a count is shown on a chart's scale, where room is short: "950", "1.5k", "12k", "9.2E".</summary>
    public static string ShowCompact(long number)
    {
        if (number is > -1000 and < 1000)
        {
            return Show(number);
        }

        var value = Math.Abs((double)number);
        var unit = 0;
        while (unit < CompactUnits.Length - 1 && Math.Round(value, value < 10 ? 1 : 0) >= 1000)
        {
            value /= 1000;
            unit++;
        }

        return (number < 0 ? "-" : "") + value.ToString(value < 9.95 ? "0.#" : "0", CultureInfo.InvariantCulture) + CompactUnits[unit];
    }

    private static readonly string[] CompactUnits = ["", "k", "M", "G", "T", "P", "E"];
}
