using System.Globalization;
using System.Text.RegularExpressions;
using Maas.Auditing;
using Maas.Errors;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Auditing;

/// <summary>
/// Reads the query string of <c>GET /v1/audit</c>: <c>actor</c>, <c>subject</c>, <c>key_id</c>,
/// <c>action</c>, <c>since</c> (inclusive) and <c>until</c> (exclusive) as RFC 3339 instants,
/// <c>limit</c> (1–100, default 50) and <c>cursor</c>. Anything unknown, repeated or malformed is a
/// 400 naming the parameter, so a typo never silently widens the answer.
/// Public so that another front end of the trail (the self-service page) accepts and refuses exactly what the endpoint does.
/// </summary>
public static partial class AuditQueryReader
{
    private static readonly string[] s_known = ["actor", "subject", "key_id", "action", "since", "until", "limit", "cursor"];

    /// <summary>Reads the filters, page size and cursor; throws <see cref="InvalidRequestException"/> naming the parameter for anything it refuses.</summary>
    /// <param name="query">The query string, or form fields under the same names.</param>
    /// <returns>The query to pass to <see cref="AuditTrail.ReadAsync"/>.</returns>
    public static AuditQuery Read(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        foreach (var (name, values) in query)
        {
            if (!s_known.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidRequestException(name, $"Unknown query parameter '{Printable(name)}'; the audit trail is filtered by {string.Join(", ", s_known)}.");
            }

            if (values.Count != 1)
            {
                throw new InvalidRequestException(name, $"{name} may be given once.");
            }
        }

        var since = Instant(query, "since");
        var until = Instant(query, "until");
        if (since is { } s && until is { } u && s >= u)
        {
            throw new InvalidRequestException("until", "until must be later than since.");
        }

        AuditAction? action = null;
        if (Text(query, "action") is { } actionName)
        {
            action = AuditActionNames.TryParse(actionName, out var parsed)
                ? parsed
                : throw new InvalidRequestException("action", "action must be one of create, revoke, rotate, revoke_all, bulk_revoke.");
        }

        var limit = AuditQuery.DefaultLimit;
        if (Text(query, "limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > AuditQuery.MaxLimit))
        {
            throw new InvalidRequestException("limit", $"limit must be a whole number from 1 to {AuditQuery.MaxLimit}.");
        }

        return new AuditQuery
        {
            Actor = Text(query, "actor"),
            Subject = Text(query, "subject"),
            KeyId = Text(query, "key_id"),
            Action = action,
            Since = since,
            Until = until,
            Limit = limit,
            After = Text(query, "cursor") is { } cursor ? AuditCursor.Read(cursor) : null,
        };
    }

    private static string? Text(IQueryCollection query, string name)
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

        if (value.Length > 1024)
        {
            throw new InvalidRequestException(name, $"{name} is longer than 1,024 characters.");
        }

        return value;
    }

    private static DateTimeOffset? Instant(IQueryCollection query, string name)
    {
        if (Text(query, name) is not { } text)
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
