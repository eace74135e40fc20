using System.Text.Json;
using System.Text.Json.Serialization;

namespace Maas.Hosting.Requests;

/// <summary>
/// An <c>expiration</c> exactly as the client sent it: a string, or a number kept as its JSON
/// text. Read without building a document; judged by <see cref="ExpirationField"/>, which names
/// the field in its errors. Any other JSON type fails deserialization at this field.
/// </summary>
[JsonConverter(typeof(ExpirationInputConverter))]
internal readonly record struct ExpirationInput(string? Text, string? Number);

/// <summary>Reads <see cref="ExpirationInput"/> straight from the reader.</summary>
internal sealed class ExpirationInputConverter : JsonConverter<ExpirationInput>
{
    public override ExpirationInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => new ExpirationInput(reader.GetString(), null),
            JsonTokenType.Number => new ExpirationInput(null, System.Text.Encoding.UTF8.GetString(reader.ValueSpan)),
            _ => throw new JsonException("expiration must be a duration string or a number of seconds."),
        };

    public override void Write(Utf8JsonWriter writer, ExpirationInput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Text is not null)
        {
            writer.WriteStringValue(value.Text);
        }
        else
        {
            writer.WriteRawValue(value.Number ?? "null");
        }
    }
}
