using System.Text.Json;
using Maas.Durations;

namespace Maas.Core.Tests.Durations;

public sealed class GoDurationJsonConverterTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new GoDurationJsonConverter() } };

    [Theory]
    [InlineData("\"4h\"", 4 * 3_600_000_000_000L)]
    [InlineData("\"2h30m\"", 9_000_000_000_000L)]
    [InlineData("\"-1h\"", -3_600_000_000_000L)]
    [InlineData("\"0\"", 0)]
    [InlineData("\"1.1\\u00B5s\"", 1_100)] // escaped micro sign
    [InlineData("14400", 4 * 3_600_000_000_000L)]
    [InlineData("0", 0)]
    [InlineData("-60", -60_000_000_000L)]
    [InlineData("1.5", 1_500_000_000L)]
    [InlineData("1.001", 1_001_000_000L)]
    [InlineData("14400.0", 4 * 3_600_000_000_000L)]
    [InlineData("1e3", 1_000_000_000_000L)]
    [InlineData("0.0000000015", 1)] // below a nanosecond is truncated
    [InlineData("9223372036", 9_223_372_036_000_000_000L)]
    [InlineData("9223372036.854775807", long.MaxValue)]
    [InlineData("-9223372036.854775808", long.MinValue)]
    public void Reads_go_strings_and_numbers_of_seconds(string json, long nanoseconds) =>
        Assert.Equal(new GoDuration(nanoseconds), JsonSerializer.Deserialize<GoDuration>(json, Options));

    [Theory]
    [InlineData("true", "a boolean")]
    [InlineData("null", "null")]
    [InlineData("{}", "an object")]
    [InlineData("[]", "an array")]
    [InlineData("\"2x\"", "time: unknown unit \"x\" in duration \"2x\"")]
    [InlineData("\"\"", "time: invalid duration \"\"")]
    [InlineData("\" 4h\"", "time: invalid duration \" 4h\"")]
    [InlineData("\"1e9h\"", "time: unknown unit \"e\" in duration \"1e9h\"")]
    [InlineData("1e30", "±9223372036.854775807")]
    [InlineData("-1e30", "±9223372036.854775807")]
    [InlineData("9223372037", "±9223372036.854775807")]
    [InlineData("9223372036.854775808", "±9223372036.854775807")]
    [InlineData("-9223372036.854775809", "±9223372036.854775807")]
    [InlineData("1e400", "±9223372036.854775807")]
    public void Rejects_other_json_with_a_message_naming_the_problem(string json, string expected)
    {
        var exception = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<GoDuration>(json, Options));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_long_invalid_string_read_from_the_heap()
    {
        var text = new string('9', 300) + "h";
        var exception = Assert.Throws<JsonException>(
            () => JsonSerializer.Deserialize<GoDuration>(JsonSerializer.Serialize(text), Options));
        Assert.Contains("time: invalid duration", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_null_into_a_nullable_duration() =>
        Assert.Null(JsonSerializer.Deserialize<GoDuration?>("null", Options));

    [Theory]
    [InlineData(4 * 3_600_000_000_000L, "\"4h0m0s\"")]
    [InlineData(720 * 3_600_000_000_000L, "\"720h0m0s\"")]
    [InlineData(1_500_000_000L, "\"1.5s\"")]
    [InlineData(long.MinValue, "\"-2562047h47m16.854775808s\"")]
    [InlineData(1_100, "\"1.1\\u00B5s\"")]
    public void Writes_the_go_string(long nanoseconds, string json) =>
        Assert.Equal(json, JsonSerializer.Serialize(new GoDuration(nanoseconds), Options));

    [Fact]
    public void Round_trips_inside_an_object()
    {
        var json = JsonSerializer.Serialize(new Body { Expiration = GoDuration.FromHours(4) }, Options);

        Assert.Equal("""{"Expiration":"4h0m0s"}""", json);
        Assert.Equal(GoDuration.FromHours(4), JsonSerializer.Deserialize<Body>(json, Options)!.Expiration);
    }

    public sealed class Body
    {
        public GoDuration Expiration { get; set; }
    }

    [Theory]
    [InlineData("14400", 14_400_000_000_000L)]
    [InlineData("1.001", 1_001_000_000L)]
    [InlineData("-0.0000000015", -1L)]
    [InlineData("9223372036.854775807", long.MaxValue)]
    [InlineData("-9223372036.854775808", long.MinValue)]
    public void Seconds_convert_exactly_truncating_below_a_nanosecond(string seconds, long nanoseconds)
    {
        Assert.True(GoDuration.TryFromSeconds(decimal.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), out var value));
        Assert.Equal(nanoseconds, value.Nanoseconds);
    }

    [Theory]
    [InlineData("9223372036.854775808")]
    [InlineData("9223372037")]
    [InlineData("-79228162514264337593543950335")]
    public void Seconds_outside_a_go_duration_do_not_convert(string seconds)
    {
        Assert.False(GoDuration.TryFromSeconds(decimal.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture), out _));
    }
}
