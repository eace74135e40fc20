using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Maas.ModelSimulator;

/// <summary>
/// Reads every shape OpenAI allows for a message's <c>content</c> or a completion's <c>prompt</c> as one text:
/// a string; an array of content parts (their <c>text</c>); an array of strings; an array of token ids, or of
/// arrays of them (each id becomes one number, so it counts as one token). Array items are joined by a line break.
/// </summary>
internal sealed class TextContentConverter : JsonConverter<string>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                var text = new StringBuilder();
                ReadArray(ref reader, text);
                return text.ToString();
            default:
                throw new JsonException("must be a string or an array.");
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    private static void ReadArray(ref Utf8JsonReader reader, StringBuilder text)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    Append(text, reader.GetString(), '\n');
                    break;
                case JsonTokenType.Number when reader.TryGetInt64(out var id):
                    Append(text, id.ToString(CultureInfo.InvariantCulture), ' ');
                    break;
                case JsonTokenType.StartArray:
                    ReadArray(ref reader, text);
                    break;
                case JsonTokenType.StartObject:
                    ReadPart(ref reader, text);
                    break;
                default:
                    throw new JsonException("array items must be strings, token ids or content parts.");
            }
        }
    }

    // A content part: {"type":"text","text":"..."}; parts without text (images, audio) add nothing.
    private static void ReadPart(ref Utf8JsonReader reader, StringBuilder text)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isText = reader.ValueTextEquals("text"u8);
            reader.Read();
            if (isText && reader.TokenType == JsonTokenType.String)
            {
                Append(text, reader.GetString(), '\n');
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void Append(StringBuilder text, string? value, char separator)
    {
        if (text.Length > 0)
        {
            text.Append(separator);
        }

        text.Append(value);
    }
}
