using System.Buffers;
using System.Collections.ObjectModel;
using System.Text.Json;

namespace Maas.Storage.Sqlite;

/// <summary>Writes and reads the owner's groups as a JSON array of strings.</summary>
internal static class OwnerGroupsJson
{
    public static string Write(IReadOnlyList<string> groups)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var group in groups)
            {
                writer.WriteStringValue(group);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static ReadOnlyCollection<string> Read(string json)
    {
        var groups = new List<string>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(json));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                groups.Add(reader.GetString()!);
            }
        }

        return groups.AsReadOnly();
    }
}
