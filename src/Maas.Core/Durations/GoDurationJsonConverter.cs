using System.Text.Json;
using System.Text.Json.Serialization;

namespace Maas.Durations;

/// <summary>
/// Reads a <see cref="GoDuration"/> from a JSON string in Go's grammar (<c>"2h30m"</c>) or from a
/// JSON number of seconds (<c>14400</c>, <c>1.5</c>), and writes it as Go prints it (<c>"4h0m0s"</c>).
/// </summary>
/// <remarks>
/// Invalid input throws <see cref="JsonException"/> whose message carries Go's error text. Register
/// it in <see cref="JsonSerializerOptions.Converters"/> or on a property; the struct carries none.
/// </remarks>
public sealed class GoDurationJsonConverter : JsonConverter<GoDuration>
{
    // A string longer than this is parsed from a heap copy; real durations are far shorter.
    private const int StackLimit = 128;

    /// <inheritdoc />
    public override GoDuration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => ReadString(ref reader),
            JsonTokenType.Number => ReadSeconds(ref reader),
            _ => throw new JsonException(
                $"A duration must be a string such as \"4h\" or a number of seconds, not {Describe(reader.TokenType)}."),
        };

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, GoDuration value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<char> buffer = stackalloc char[GoDuration.MaxFormattedLength];
        var start = value.FormatTail(buffer);
        writer.WriteStringValue(buffer[start..]);
    }

    private static GoDuration ReadString(ref Utf8JsonReader reader)
    {
        // UTF-8 never takes fewer bytes than UTF-16 takes chars, and escapes only shrink when read.
        var upperBound = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        string? error;
        GoDuration value;
        if (upperBound <= StackLimit)
        {
            Span<char> buffer = stackalloc char[StackLimit];
            var length = reader.CopyString(buffer);
            if (GoDuration.TryParse(buffer[..length], out value, out error))
            {
                return value;
            }
        }
        else if (GoDuration.TryParse(reader.GetString(), out value, out error))
        {
            return value;
        }

        throw new JsonException($"Invalid duration: {error}.");
    }

    private static GoDuration ReadSeconds(ref Utf8JsonReader reader)
    {
        // Decimal keeps 1.001 exact where a double would give 1.000999999s.
        if (reader.TryGetDecimal(out var seconds) && GoDuration.TryFromSeconds(seconds, out var value))
        {
            return value;
        }

        throw new JsonException(
            "Invalid duration: a number of seconds must lie within ±9223372036.854775807, the range of a Go duration.");
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };
}
