using System.Text.Json;
using Maas.Durations;
using Maas.Errors;

namespace Maas.Hosting.Requests;

/// <summary>Reads an <c>expiration</c> field: a Go duration string or a JSON number of seconds.</summary>
internal static class ExpirationField
{
    public static GoDuration? Read(JsonElement? element, string field = "expiration")
    {
        if (element is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (GoDuration.TryParse(text, out var parsed, out var error))
                {
                    return parsed;
                }

                throw new InvalidRequestException(field, $"{field} is not a valid duration: {error}. Use a Go duration such as \"4h\" or \"2h30m\", or a number of seconds.");
            case JsonValueKind.Number:
                if (value.TryGetDouble(out var seconds) && double.IsFinite(seconds))
                {
                    var nanoseconds = seconds * 1e9;
                    if (nanoseconds is >= long.MinValue and < long.MaxValue)
                    {
                        return new GoDuration((long)nanoseconds);
                    }
                }

                throw new InvalidRequestException(field, $"{field} is out of range: {value.GetRawText()} seconds.");
            default:
                throw new InvalidRequestException(field, $"{field} must be a duration string such as \"4h\" or a number of seconds, not {value.ValueKind.ToString().ToLowerInvariant()}.");
        }
    }
}
