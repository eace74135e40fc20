using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;

namespace Maas.Storage;

/// <summary>
/// Writes and reads a key's labels as a JSON object of strings: the SQLite <c>labels</c> text column
/// and the PostgreSQL <c>labels</c> jsonb column (which keeps its own key order; reading does not
/// depend on it). One source file compiled into both store packages.
/// </summary>
internal static class LabelsJson
{
    public const string Empty = "{}";

    public static string Write(IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            return Empty;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyDictionary<string, string> Read(string json)
    {
        if (json == Empty)
        {
            return FrozenDictionary<string, string>.Empty;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        string? name = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                name = reader.GetString();
            }
            else if (reader.TokenType == JsonTokenType.String && name is not null)
            {
                labels[name] = reader.GetString()!;
                name = null;
            }
        }

        return labels.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
