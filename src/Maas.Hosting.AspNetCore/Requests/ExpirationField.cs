using System.Globalization;
using Maas.Durations;
using Maas.Errors;

namespace Maas.Hosting.Requests;

/// <summary>
/// Reads an <c>expiration</c> field: a Go duration string or a JSON number of seconds; with
/// <c>allowDays</c>, also a number of days such as <c>"90d"</c> or <c>"1.5d"</c>, as the later Go
/// service reads an API key's lifetime (its <c>ParseDurationWithDays</c>).
/// </summary>
internal static class ExpirationField
{
    // The later service parses the days with Go's ParseFloat (exponents, hex, "Inf" too); a plain decimal is what its clients send.
    private const NumberStyles DayStyles = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static GoDuration? Read(ExpirationInput? input, string field = "expiration", bool allowDays = false)
    {
        if (input is not { } value)
        {
            return null;
        }

        if (value.Text is { } text)
        {
            if (allowDays && text.EndsWith('d'))
            {
                // Days: a whole number of nanoseconds, truncated as Go's conversion does; more than a Go duration holds is refused.
                if (decimal.TryParse(text.AsSpan(0, text.Length - 1), DayStyles, CultureInfo.InvariantCulture, out var days)
                    && Math.Abs(days) <= 106_751m
                    && GoDuration.TryFromSeconds(decimal.Truncate(days * 86_400_000_000_000m) / 1_000_000_000m, out var inDays))
                {
                    return inDays;
                }

                throw new InvalidRequestException(field, $"{field} is not a valid number of days: use a decimal number before the d, such as \"90d\" or \"1.5d\".");
            }

            if (GoDuration.TryParse(text, out var parsed, out var error))
            {
                return parsed;
            }

            throw new InvalidRequestException(
                field,
                allowDays
                    ? $"{field} is not a valid duration: {error}. Use a Go duration such as \"4h\" or \"2h30m\", a number of days such as \"90d\", or a number of seconds."
                    : $"{field} is not a valid duration: {error}. Use a Go duration such as \"4h\" or \"2h30m\", or a number of seconds.");
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
