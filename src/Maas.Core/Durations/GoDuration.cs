using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace Maas.Durations;

/// <summary>
/// A span of time with Go's <c>time.Duration</c> semantics: a signed count of nanoseconds that
/// parses exactly what <c>time.ParseDuration</c> accepts and prints exactly what
/// <c>Duration.String()</c> prints (<c>4h0m0s</c>), so clients of the Go service keep working.
/// </summary>
[TypeConverter(typeof(GoDurationTypeConverter))]
public readonly record struct GoDuration(long Nanoseconds) : IComparable<GoDuration>
{
    /// <summary>Creates a duration from a number of minutes.</summary>
    public static GoDuration FromMinutes(long minutes) => new(checked(minutes * 60_000_000_000L));

    /// <summary>Creates a duration from a number of hours.</summary>
    public static GoDuration FromHours(long hours) => new(checked(hours * 3_600_000_000_000L));

    /// <summary>Creates a duration from a <see cref="TimeSpan"/> (100 ns ticks).</summary>
    public static GoDuration FromTimeSpan(TimeSpan value) => new(checked(value.Ticks * 100L));

    /// <summary>Converts to a <see cref="TimeSpan"/>, truncating below 100 ns.</summary>
    public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Nanoseconds / 100L);

    /// <inheritdoc />
    public int CompareTo(GoDuration other) => Nanoseconds.CompareTo(other.Nanoseconds);

    /// <summary>Whether <paramref name="left"/> is shorter than <paramref name="right"/>.</summary>
    public static bool operator <(GoDuration left, GoDuration right) => left.Nanoseconds < right.Nanoseconds;

    /// <summary>Whether <paramref name="left"/> is shorter than or equal to <paramref name="right"/>.</summary>
    public static bool operator <=(GoDuration left, GoDuration right) => left.Nanoseconds <= right.Nanoseconds;

    /// <summary>Whether <paramref name="left"/> is longer than <paramref name="right"/>.</summary>
    public static bool operator >(GoDuration left, GoDuration right) => left.Nanoseconds > right.Nanoseconds;

    /// <summary>Whether <paramref name="left"/> is longer than or equal to <paramref name="right"/>.</summary>
    public static bool operator >=(GoDuration left, GoDuration right) => left.Nanoseconds >= right.Nanoseconds;

    /// <summary>Parses a Go duration string; throws <see cref="FormatException"/> with Go's message.</summary>
    public static GoDuration Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    /// <summary>Parses a Go duration string such as <c>2h45m</c> or <c>1.5h</c>.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out GoDuration value, [NotNullWhen(false)] out string? error) =>
        throw new NotImplementedException();

    /// <summary>Formats as Go's <c>Duration.String()</c> does, for example <c>4h0m0s</c> or <c>1.5s</c>.</summary>
    public override string ToString() => throw new NotImplementedException();
}
