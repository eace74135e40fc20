using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Maas.Hosting.Authentication;

/// <summary>
/// Parses the groups header: a JSON array of strings (<c>["a","b"]</c>), or the <c>[a b]</c>
/// rendering Authorino produces for a list.
/// </summary>
internal static class GroupHeaderParser
{
    private const int MaxGroups = 512;

    public static bool TryParse(string value, out IReadOnlyList<string> groups)
    {
        groups = [];
        var text = value.Trim();
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']')
        {
            return false;
        }

        var inner = text.AsSpan(1, text.Length - 2).Trim();
        if (inner.Length == 0)
        {
            groups = [];
            return true;
        }

        // A JSON array (quoted strings, or anything with commas, which Authorino never renders).
        if (inner[0] == '"' || inner.Contains(','))
        {
            return TryParseJson(text, out groups);
        }

        // Authorino's Go rendering of a []string: space-separated, unquoted.
        var list = new List<string>();
        foreach (var range in inner.Split(' '))
        {
            var part = inner[range].Trim();
            if (part.Length == 0)
            {
                continue;
            }

            if (part.IndexOfAny('[', ']', '"') >= 0 || list.Count == MaxGroups)
            {
                return false;
            }

            list.Add(part.ToString());
        }

        groups = list;
        return true;
    }

    private static bool TryParseJson(string text, out IReadOnlyList<string> groups)
    {
        groups = [];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            var reader = new Utf8JsonReader(buffer[..length]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            var list = new List<string>();
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    // Nothing may follow the array.
                    if (reader.Read())
                    {
                        return false;
                    }

                    groups = list;
                    return true;
                }

                if (reader.TokenType != JsonTokenType.String || list.Count == MaxGroups)
                {
                    return false;
                }

                list.Add(reader.GetString()!);
            }

            return false;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
