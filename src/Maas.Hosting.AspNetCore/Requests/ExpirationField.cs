using System.Globalization;
using Maas.Durations;
using Maas.Errors;

namespace Maas.Hosting.Requests;

/// <summary>Reads an <c>expiration</c> field: a Go duration string or a JSON number of seconds.</summary>
internal static class ExpirationField
{
    public static GoDuration? Read(ExpirationInput? input, string field = "expiration")
    {
        if (input is not { } value)
        {
            return null;
        }

        if (value.Text is { } text)
        {
            if (GoDuration.TryParse(text, out var parsed, out var error))
            {
                return parsed;
            }

            throw new InvalidRequestException(field, $"{field} is not a valid duration: {error}. Use a Go duration such as \"4h\" or \"2h30m\", or a number of seconds.");
        }

        var number = value.Number ?? "";
        if (decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && GoDuration.TryFromSeconds(seconds, out var duration))
        {
            return duration;
        }

        throw new InvalidRequestException(field, $"{field} is out of range: {number} seconds.");
    }
}
