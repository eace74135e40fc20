using System.Buffers.Text;
using System.Text.Json;
using Maas.Errors;

namespace Maas.ApiKeys;

/// <summary>
/// The opaque cursor of a key search: base64url of a small JSON object holding the sort it belongs
/// to and the last key's id and sort value (an instant in ticks, or the name). Ids, instants and
/// names are metadata the caller already saw, never a secret. A cursor of another sort, or not
/// made here, is a 400 naming <c>pagination.cursor</c>.
/// </summary>
internal static class ApiKeySearchCursor
{
    public const string Field = "pagination.cursor";
    private const int MaxLength = 2048;

    public static string Encode(ApiKeySortField sortBy, bool descending, ApiKeyRecord last)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("s", Wire(sortBy));
            writer.WriteBoolean("d", descending);
            writer.WriteString("i", last.Id);
            switch (sortBy)
            {
                case ApiKeySortField.Name:
                    writer.WriteString("n", last.Name);
                    break;
                case ApiKeySortField.LastUsedAt when last.LastUsedAt is null:
                    writer.WriteNull("t");
                    break;
                default:
                    writer.WriteNumber("t", SortInstant(sortBy, last)!.Value.UtcTicks);
                    break;
            }

            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    public static ApiKeySearchPosition Decode(string cursor, ApiKeySortField sortBy, bool descending)
    {
        if (cursor.Length == 0 || cursor.Length > MaxLength)
        {
            throw Invalid();
        }

        byte[] json;
        try
        {
            json = Base64Url.DecodeFromChars(cursor);
        }
        catch (FormatException)
        {
            throw Invalid();
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("s", out var sort) || sort.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("d", out var desc) || desc.ValueKind is not (JsonValueKind.True or JsonValueKind.False)
                || !root.TryGetProperty("i", out var id) || id.ValueKind != JsonValueKind.String)
            {
                throw Invalid();
            }

            if (sort.GetString() != Wire(sortBy) || desc.GetBoolean() != descending)
            {
                throw new InvalidRequestException(Field, "pagination.cursor belongs to another sort: send the same sort.by and sort.order as the search that returned it.");
            }

            var keyId = id.GetString()!;
            if (!StorableText.IsStorable(keyId))
            {
                throw Invalid();
            }

            if (sortBy == ApiKeySortField.Name)
            {
                return root.TryGetProperty("n", out var name) && name.ValueKind == JsonValueKind.String && StorableText.IsStorable(name.GetString())
                    ? new ApiKeySearchPosition(keyId, null, name.GetString())
                    : throw Invalid();
            }

            if (!root.TryGetProperty("t", out var ticks))
            {
                throw Invalid();
            }

            if (ticks.ValueKind == JsonValueKind.Null && sortBy == ApiKeySortField.LastUsedAt)
            {
                return new ApiKeySearchPosition(keyId, null, null);
            }

            return ticks.ValueKind == JsonValueKind.Number && ticks.TryGetInt64(out var value)
                && value >= DateTimeOffset.MinValue.UtcTicks && value <= DateTimeOffset.MaxValue.UtcTicks
                ? new ApiKeySearchPosition(keyId, new DateTimeOffset(value, TimeSpan.Zero), null)
                : throw Invalid();
        }
        catch (JsonException)
        {
            throw Invalid();
        }
        catch (ArgumentException)
        {
            // Not UTF-8 inside.
            throw Invalid();
        }
    }

    public static DateTimeOffset? SortInstant(ApiKeySortField sortBy, ApiKeyRecord key) => sortBy switch
    {
        ApiKeySortField.ExpiresAt => key.ExpiresAt,
        ApiKeySortField.LastUsedAt => key.LastUsedAt,
        ApiKeySortField.Name => null,
        _ => key.CreatedAt,
    };

    public static string Wire(ApiKeySortField sortBy) => sortBy switch
    {
        ApiKeySortField.ExpiresAt => "expires_at",
        ApiKeySortField.LastUsedAt => "last_used_at",
        ApiKeySortField.Name => "name",
        _ => "created_at",
    };

    private static InvalidRequestException Invalid() =>
        new(Field, "pagination.cursor is not a cursor this service returned: send next_cursor from the previous answer unchanged.");
}
