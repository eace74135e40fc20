using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Text;

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

    /// <summary>
    /// Converts a number of seconds, as a JSON body gives a lifetime, to a duration: digits below a
    /// nanosecond are truncated toward zero; <see langword="false"/> outside a Go duration's range.
    /// </summary>
    public static bool TryFromSeconds(decimal seconds, out GoDuration value)
    {
        value = default;

        // Beyond this no fraction brings the product back within int64 nanoseconds (and it cannot overflow decimal).
        if (Math.Abs(seconds) > 9_223_372_037m)
        {
            return false;
        }

        var nanoseconds = decimal.Truncate(seconds * 1_000_000_000m);
        if (nanoseconds is < long.MinValue or > long.MaxValue)
        {
            return false;
        }

        value = new GoDuration((long)nanoseconds);
        return true;
    }

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
    /// <remarks>
    /// A port of Go's <c>time.ParseDuration</c>: an optional sign, then one or more decimal numbers
    /// (each with an optional fraction) followed by a unit (<c>ns</c>, <c>us</c>, <c>µs</c>,
    /// <c>μs</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>); <c>0</c> alone needs no unit. Nothing
    /// is trimmed. On failure <paramref name="error"/> holds Go's message, for example
    /// <c>time: unknown unit "x" in duration "2x"</c>. Succeeding allocates nothing.
    /// </remarks>
    public static bool TryParse(ReadOnlySpan<char> text, out GoDuration value, [NotNullWhen(false)] out string? error)
    {
        value = default;
        error = null;
        var s = text;
        var negative = false;

        // [-+]?
        if (!s.IsEmpty && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        // Special case: "0" alone is zero and needs no unit.
        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            error = InvalidDuration(text);
            return false;
        }

        ulong total = 0;
        while (!s.IsEmpty)
        {
            // The next character must be [0-9.].
            if (s[0] != '.' && !char.IsAsciiDigit(s[0]))
            {
                error = InvalidDuration(text);
                return false;
            }

            // [0-9]*
            var before = s.Length;
            if (!TryConsumeLeadingInt(ref s, out var whole))
            {
                error = InvalidDuration(text);
                return false;
            }

            var hasWhole = before != s.Length;

            // (\.[0-9]*)?
            var hasFraction = false;
            ulong fraction = 0;
            var scale = 1d;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                before = s.Length;
                ConsumeLeadingFraction(ref s, out fraction, out scale);
                hasFraction = before != s.Length;
            }

            if (!hasWhole && !hasFraction)
            {
                // No digits, as in ".s" or "-.s".
                error = InvalidDuration(text);
                return false;
            }

            // The unit runs up to the next digit or period.
            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            if (unitLength == 0)
            {
                error = "time: missing unit in duration " + Quote(text);
                return false;
            }

            var unitText = s[..unitLength];
            s = s[unitLength..];
            var unit = UnitNanoseconds(unitText);
            if (unit == 0)
            {
                error = "time: unknown unit " + Quote(unitText) + " in duration " + Quote(text);
                return false;
            }

            if (whole > Limit / unit)
            {
                error = InvalidDuration(text);
                return false;
            }

            var component = whole * unit;
            if (fraction > 0)
            {
                // A double is needed to be nanosecond accurate for fractions of hours; the fraction
                // contributes at most one unit (3.6e12 ns for an hour), so this cannot wrap.
                component += (ulong)(fraction * (unit / scale));
                if (component > Limit)
                {
                    error = InvalidDuration(text);
                    return false;
                }
            }

            // Unchecked like Go's uint64 arithmetic; both terms are at most 2^63.
            total = unchecked(total + component);
            if (total > Limit)
            {
                error = InvalidDuration(text);
                return false;
            }
        }

        if (negative)
        {
            // 2^63 becomes long.MinValue, as in Go.
            value = new GoDuration(unchecked(-(long)total));
            return true;
        }

        if (total > long.MaxValue)
        {
            error = InvalidDuration(text);
            return false;
        }

        value = new GoDuration((long)total);
        return true;
    }

    /// <summary>Formats as Go's <c>Duration.String()</c> does, for example <c>4h0m0s</c> or <c>1.5s</c>.</summary>
    public override string ToString()
    {
        Span<char> buffer = stackalloc char[MaxFormattedLength];
        var start = FormatTail(buffer);
        return new string(buffer[start..]);
    }

    /// <summary>The most characters <see cref="FormatTail"/> writes (Go's 32-byte buffer).</summary>
    internal const int MaxFormattedLength = 32;

    /// <summary>
    /// Writes Go's <c>Duration.String()</c> text into the end of <paramref name="buffer"/> (at least
    /// <see cref="MaxFormattedLength"/> characters) and returns the index where it begins.
    /// </summary>
    internal int FormatTail(Span<char> buffer)
    {
        // The longest text is "-2562047h47m16.854775808s".
        var w = buffer.Length;
        var negative = Nanoseconds < 0;
        var u = negative ? unchecked(0UL - (ulong)Nanoseconds) : (ulong)Nanoseconds;

        if (u < NanosecondsPerSecond)
        {
            // Below a second, use smaller units such as 1.2ms.
            int precision;
            buffer[--w] = 's';
            w--;
            switch (u)
            {
                case 0:
                    buffer[w] = '0';
                    return w;
                case < 1_000:
                    precision = 0;
                    buffer[w] = 'n';
                    break;
                case < 1_000_000:
                    precision = 3;
                    buffer[w] = '\u00B5'; // micro sign, as Go prints it
                    break;
                default:
                    precision = 6;
                    buffer[w] = 'm';
                    break;
            }

            w = FormatFraction(buffer[..w], ref u, precision);
            w = FormatInteger(buffer[..w], u);
        }
        else
        {
            buffer[--w] = 's';
            w = FormatFraction(buffer[..w], ref u, 9);

            // u is now whole seconds.
            w = FormatInteger(buffer[..w], u % 60);
            u /= 60;

            // u is now whole minutes.
            if (u > 0)
            {
                buffer[--w] = 'm';
                w = FormatInteger(buffer[..w], u % 60);
                u /= 60;

                // u is now whole hours; stop there because days vary in length.
                if (u > 0)
                {
                    buffer[--w] = 'h';
                    w = FormatInteger(buffer[..w], u);
                }
            }
        }

        if (negative)
        {
            buffer[--w] = '-';
        }

        return w;
    }

    private const ulong Limit = 1UL << 63;
    private const ulong NanosecondsPerSecond = 1_000_000_000;

    private static ulong UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00B5s" or "\u03BCs" => 1_000, // micro sign and Greek small letter mu
        "ms" => 1_000_000,
        "s" => NanosecondsPerSecond,
        "m" => 60 * NanosecondsPerSecond,
        "h" => 3_600 * NanosecondsPerSecond,
        _ => 0,
    };

    /// <summary>Go's <c>leadingInt</c>: consumes [0-9]*; false when the value exceeds 2^63.</summary>
    private static bool TryConsumeLeadingInt(ref ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (value > Limit / 10)
            {
                return false;
            }

            value = (value * 10) + (uint)(s[i] - '0');
            if (value > Limit)
            {
                return false;
            }
        }

        s = s[i..];
        return true;
    }

    /// <summary>
    /// Go's <c>leadingFraction</c>: consumes [0-9]* after a period; past 2^63 it keeps consuming
    /// digits but stops accumulating precision. The fraction is <paramref name="value"/> / <paramref name="scale"/>.
    /// </summary>
    private static void ConsumeLeadingFraction(ref ReadOnlySpan<char> s, out ulong value, out double scale)
    {
        value = 0;
        scale = 1;
        var overflow = false;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (overflow)
            {
                continue;
            }

            if (value > (Limit - 1) / 10)
            {
                overflow = true;
                continue;
            }

            var next = (value * 10) + (uint)(s[i] - '0');
            if (next > Limit)
            {
                overflow = true;
                continue;
            }

            value = next;
            scale *= 10;
        }

        s = s[i..];
    }

    /// <summary>
    /// Go's <c>fmtFrac</c>: writes v/10^precision's fraction (".12345") into the end of
    /// <paramref name="buffer"/> without trailing zeros (nor the period when it is zero), leaves the
    /// whole part in <paramref name="v"/> and returns where the output begins.
    /// </summary>
    private static int FormatFraction(Span<char> buffer, ref ulong v, int precision)
    {
        var w = buffer.Length;
        var print = false;
        for (var i = 0; i < precision; i++)
        {
            var digit = v % 10;
            print = print || digit != 0;
            if (print)
            {
                buffer[--w] = (char)('0' + digit);
            }

            v /= 10;
        }

        if (print)
        {
            buffer[--w] = '.';
        }

        return w;
    }

    /// <summary>Go's <c>fmtInt</c>: writes <paramref name="v"/> into the end of <paramref name="buffer"/>.</summary>
    private static int FormatInteger(Span<char> buffer, ulong v)
    {
        var w = buffer.Length;
        do
        {
            buffer[--w] = (char)('0' + (v % 10));
            v /= 10;
        }
        while (v > 0);

        return w;
    }

    private static string InvalidDuration(ReadOnlySpan<char> text) => "time: invalid duration " + Quote(text);

    /// <summary>
    /// Go's <c>time.quote</c>: wraps in double quotes, escapes quotes and backslashes with a
    /// backslash, and writes every non-ASCII or control character as the <c>\xNN</c> escapes of
    /// its UTF-8 bytes.
    /// </summary>
    private static string Quote(ReadOnlySpan<char> text)
    {
        const string LowerHex = "0123456789abcdef";
        var builder = new StringBuilder(text.Length + 2);
        builder.Append('"');
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value >= 0x80 || rune.Value < ' ')
            {
                var length = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..length])
                {
                    builder.Append("\\x").Append(LowerHex[b >> 4]).Append(LowerHex[b & 0xF]);
                }
            }
            else
            {
                if (rune.Value is '"' or '\\')
                {
                    builder.Append('\\');
                }

                builder.Append((char)rune.Value);
            }
        }

        return builder.Append('"').ToString();
    }
}
