using System.Globalization;
using System.Text.RegularExpressions;
using Maas.Errors;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Requests;

/// <summary>
/// The query-string rules every reader of a GET endpoint shares (<c>/v1/audit</c>,
/// <c>/v1/usage/history</c>): only known parameters, each at most once, never empty, bounded in
/// length, instants in RFC 3339; every refusal an <see cref="InvalidRequestException"/> naming the parameter.
/// </summary>
internal static partial class QueryParameters
{
    /// <summary>Refuses a parameter not in <paramref name="known"/> (saying what <paramref name="what"/> takes) and one given twice.</summary>
    public static void RefuseUnknownAndRepeated(IQueryCollection query, string[] known, string what)
    {
        foreach (var (name, values) in query)
        {
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidRequestException(name, $"Unknown query parameter '{Printable(name)}'; {what} {string.Join(", ", known)}.");
            }

            if (values.Count != 1)
            {
                throw new InvalidRequestException(name, $"{name} may be given once.");
            }
        }
    }

    /// <summary>The parameter's text, or null when it is absent; empty or longer than <paramref name="maxLength"/> is refused.</summary>
    public static string? Text(IQueryCollection query, string name, int maxLength)
    {
        if (!query.TryGetValue(name, out var values))
        {
            return null;
        }

        var value = values[0];
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidRequestException(name, $"{name} must not be empty.");
        }

        if (value.Length > maxLength)
        {
            throw new InvalidRequestException(name, string.Create(CultureInfo.InvariantCulture, $"{name} is longer than {maxLength:N0} characters."));
        }

        return value;
    }

    /// <summary>The parameter as an RFC 3339 instant in UTC, or null when it is absent.</summary>
    public static DateTimeOffset? Instant(IQueryCollection query, string name, int maxLength)
    {
        if (Text(query, name, maxLength) is not { } text)
        {
            return null;
        }

        if (Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return instant.ToUniversalTime();
        }

        throw new InvalidRequestException(name, $"{name} must be an RFC 3339 instant such as 2026-01-31T12:00:00Z.");
    }

    private static string Printable(string name) =>
        name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? name : "(unprintable)";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
