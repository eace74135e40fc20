using System.ComponentModel;
using System.Globalization;
using Maas.Durations;

namespace Maas.Core.Tests.Durations;

public sealed class GoDurationTests
{
    private const long Nanosecond = 1;
    private const long Microsecond = 1_000 * Nanosecond;
    private const long Millisecond = 1_000 * Microsecond;
    private const long Second = 1_000 * Millisecond;
    private const long Minute = 60 * Second;
    private const long Hour = 60 * Minute;

    // Go's parseDurationTests (src/time/time_test.go), then the contract cases of the Maas API.
    [Theory]
    // simple
    [InlineData("0", 0)]
    [InlineData("5s", 5 * Second)]
    [InlineData("30s", 30 * Second)]
    [InlineData("1478s", 1478 * Second)]
    // sign
    [InlineData("-5s", -5 * Second)]
    [InlineData("+5s", 5 * Second)]
    [InlineData("-0", 0)]
    [InlineData("+0", 0)]
    // decimal
    [InlineData("5.0s", 5 * Second)]
    [InlineData("5.6s", (5 * Second) + (600 * Millisecond))]
    [InlineData("5.s", 5 * Second)]
    [InlineData(".5s", 500 * Millisecond)]
    [InlineData("1.0s", 1 * Second)]
    [InlineData("1.00s", 1 * Second)]
    [InlineData("1.004s", (1 * Second) + (4 * Millisecond))]
    [InlineData("1.0040s", (1 * Second) + (4 * Millisecond))]
    [InlineData("100.00100s", (100 * Second) + (1 * Millisecond))]
    // different units
    [InlineData("10ns", 10 * Nanosecond)]
    [InlineData("11us", 11 * Microsecond)]
    [InlineData("12\u00B5s", 12 * Microsecond)] // micro sign
    [InlineData("12\u03BCs", 12 * Microsecond)] // Greek small letter mu
    [InlineData("13ms", 13 * Millisecond)]
    [InlineData("14s", 14 * Second)]
    [InlineData("15m", 15 * Minute)]
    [InlineData("16h", 16 * Hour)]
    // composite durations
    [InlineData("3h30m", (3 * Hour) + (30 * Minute))]
    [InlineData("10.5s4m", (4 * Minute) + (10 * Second) + (500 * Millisecond))]
    [InlineData("-2m3.4s", -((2 * Minute) + (3 * Second) + (400 * Millisecond)))]
    [InlineData("1h2m3s4ms5us6ns", (1 * Hour) + (2 * Minute) + (3 * Second) + (4 * Millisecond) + (5 * Microsecond) + (6 * Nanosecond))]
    [InlineData("39h9m14.425s", (39 * Hour) + (9 * Minute) + (14 * Second) + (425 * Millisecond))]
    // large value
    [InlineData("52763797000ns", 52763797000 * Nanosecond)]
    // more than 9 digits after the decimal point (golang.org/issue/6617)
    [InlineData("0.3333333333333333333h", 20 * Minute)]
    // 2^53 + 1 cannot be stored precisely in a double
    [InlineData("9007199254740993ns", 9007199254740993 * Nanosecond)]
    // the largest duration int64 nanoseconds can hold
    [InlineData("9223372036854775807ns", long.MaxValue)]
    [InlineData("9223372036854775.807us", long.MaxValue)]
    [InlineData("9223372036s854ms775us807ns", long.MaxValue)]
    [InlineData("-9223372036854775808ns", long.MinValue)]
    [InlineData("-9223372036854775.808us", long.MinValue)]
    [InlineData("-9223372036s854ms775us808ns", long.MinValue)]
    // the largest negative round trip value (golang.org/issue/48629)
    [InlineData("-2562047h47m16.854775808s", long.MinValue)]
    // huge string (golang.org/issue/15011)
    [InlineData("0.100000000000000000000h", 6 * Minute)]
    // the first overflow check in leadingFraction
    [InlineData("0.830103483285477580700h", (49 * Minute) + (48 * Second) + (372539827 * Nanosecond))]
    // Maas contract: lifetimes in requests and configuration
    [InlineData("4h", 4 * Hour)]
    [InlineData("720h", 720 * Hour)]
    [InlineData("2h30m", (2 * Hour) + (30 * Minute))]
    [InlineData("10m", 10 * Minute)]
    [InlineData("5m", 5 * Minute)]
    [InlineData("-1h", -1 * Hour)]
    [InlineData("1.5h", 90 * Minute)]
    [InlineData("1.s", 1 * Second)]
    [InlineData("300ms", 300 * Millisecond)]
    [InlineData("2h45m30.5s", (2 * Hour) + (45 * Minute) + (30 * Second) + (500 * Millisecond))]
    public void Parses_what_go_parses(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out var error), error);
        Assert.Null(error);
        Assert.Equal(nanoseconds, value.Nanoseconds);
        Assert.Equal(new GoDuration(nanoseconds), GoDuration.Parse(text));
    }

    // Go's parseDurationErrorTests (those a UTF-16 string can hold), then the Maas contract cases.
    [Theory]
    // invalid
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("3", "time: missing unit in duration \"3\"")]
    [InlineData("-", "time: invalid duration \"-\"")]
    [InlineData("s", "time: invalid duration \"s\"")]
    [InlineData(".", "time: invalid duration \".\"")]
    [InlineData("-.", "time: invalid duration \"-.\"")]
    [InlineData(".s", "time: invalid duration \".s\"")]
    [InlineData("+.s", "time: invalid duration \"+.s\"")]
    [InlineData("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    [InlineData("\uFFFD", "time: invalid duration \"\\xef\\xbf\\xbd\"")]
    [InlineData("\uFFFD hello \uFFFD world", "time: invalid duration \"\\xef\\xbf\\xbd hello \\xef\\xbf\\xbd world\"")]
    // overflow
    [InlineData("9223372036854775810ns", "time: invalid duration \"9223372036854775810ns\"")]
    [InlineData("9223372036854775808ns", "time: invalid duration \"9223372036854775808ns\"")]
    [InlineData("-9223372036854775809ns", "time: invalid duration \"-9223372036854775809ns\"")]
    [InlineData("9223372036854776us", "time: invalid duration \"9223372036854776us\"")]
    [InlineData("3000000h", "time: invalid duration \"3000000h\"")]
    [InlineData("9223372036854775.808us", "time: invalid duration \"9223372036854775.808us\"")]
    [InlineData("9223372036854ms775us808ns", "time: invalid duration \"9223372036854ms775us808ns\"")]
    // Maas contract: no trimming, no exponents, no unknown units
    [InlineData("2x", "time: unknown unit \"x\" in duration \"2x\"")]
    [InlineData("1e9h", "time: unknown unit \"e\" in duration \"1e9h\"")]
    [InlineData(" 4h", "time: invalid duration \" 4h\"")]
    [InlineData("4h ", "time: unknown unit \"h \" in duration \"4h \"")]
    [InlineData("4H", "time: unknown unit \"H\" in duration \"4H\"")]
    [InlineData("1h-5m", "time: unknown unit \"h-\" in duration \"1h-5m\"")]
    // Go's quoting: UTF-8 bytes of non-ASCII and control characters as \x escapes
    [InlineData("12\u00B5", "time: unknown unit \"\\xc2\\xb5\" in duration \"12\\xc2\\xb5\"")]
    [InlineData("1\n", "time: unknown unit \"\\x0a\" in duration \"1\\x0a\"")]
    [InlineData("1\"\\", "time: unknown unit \"\\\"\\\\\" in duration \"1\\\"\\\\\"")]
    public void Rejects_what_go_rejects_with_gos_message(string text, string message)
    {
        Assert.False(GoDuration.TryParse(text, out var value, out var error));
        Assert.Equal(message, error);
        Assert.Equal(default, value);
        Assert.Equal(message, Assert.Throws<FormatException>(() => GoDuration.Parse(text)).Message);
    }

    [Theory]
    [InlineData("9223372036854775808ns9223372036854775808ns")]
    [InlineData("-9223372036854775808ns9223372036854775808ns")]
    public void Keeps_gos_uint64_wraparound_when_two_terms_each_reach_2_to_the_63(string text)
    {
        // Go's ParseDuration adds two 2^63 terms in a uint64, which wraps to zero, and accepts the
        // result; the port keeps that so both sides agree on every input.
        Assert.True(GoDuration.TryParse(text, out var value, out _));
        Assert.Equal(0, value.Nanoseconds);
    }

    // Go's durationTests (src/time/time_test.go), then the contract cases of the Maas API.
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1 * Nanosecond, "1ns")]
    [InlineData(1100 * Nanosecond, "1.1\u00B5s")]
    [InlineData(2200 * Microsecond, "2.2ms")]
    [InlineData(3300 * Millisecond, "3.3s")]
    [InlineData((4 * Minute) + (5 * Second), "4m5s")]
    [InlineData((4 * Minute) + (5001 * Millisecond), "4m5.001s")]
    [InlineData((5 * Hour) + (6 * Minute) + (7001 * Millisecond), "5h6m7.001s")]
    [InlineData((8 * Minute) + (1 * Nanosecond), "8m0.000000001s")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    // Maas contract
    [InlineData(4 * Hour, "4h0m0s")]
    [InlineData(720 * Hour, "720h0m0s")]
    [InlineData((2 * Hour) + (30 * Minute), "2h30m0s")]
    [InlineData(10 * Minute, "10m0s")]
    [InlineData(1500 * Millisecond, "1.5s")]
    [InlineData(-90 * Second, "-1m30s")]
    [InlineData(999_999_999, "999.999999ms")]
    [InlineData(1 * Second, "1s")]
    public void Prints_what_go_prints(long nanoseconds, string text)
    {
        Assert.Equal(text, new GoDuration(nanoseconds).ToString());
        if (nanoseconds > 0)
        {
            Assert.Equal("-" + text, new GoDuration(-nanoseconds).ToString());
        }

        Assert.Equal(nanoseconds, GoDuration.Parse(text).Nanoseconds);
    }

    [Fact]
    public void Round_trips_every_millisecond_resolution_value()
    {
        // As Go's TestParseDurationRoundTrip: finer resolutions may not round-trip exactly.
        var random = new Random(48629);
        for (var i = 0; i < 1_000; i++)
        {
            var duration = new GoDuration(random.Next() * Millisecond);
            Assert.Equal(duration, GoDuration.Parse(duration.ToString()));
        }
    }

    [Fact]
    public void Parses_without_allocating()
    {
        const string Text = "2h45m30.5s";
        _ = GoDuration.TryParse(Text, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            _ = GoDuration.TryParse(Text, out _, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Type_converter_binds_configuration_strings()
    {
        var converter = TypeDescriptor.GetConverter(typeof(GoDuration));

        Assert.IsType<GoDurationTypeConverter>(converter);
        Assert.True(converter.CanConvertFrom(typeof(string)));
        Assert.Equal(GoDuration.FromHours(24), converter.ConvertFromInvariantString("24h"));
        Assert.Equal("2m0s", converter.ConvertTo(null, CultureInfo.InvariantCulture, GoDuration.FromMinutes(2), typeof(string)));
        Assert.Throws<FormatException>(() => converter.ConvertFromInvariantString("24 hours"));
    }
}
