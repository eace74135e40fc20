using System.Globalization;
using Maas.Auditing;
using Maas.Errors;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Auditing;

/// <summary>
/// Reads the query string of <c>GET /v1/audit</c>: <c>actor</c>, <c>subject</c>, <c>key_id</c>,
/// <c>action</c>, <c>since</c> (inclusive) and <c>until</c> (exclusive) as RFC 3339 instants,
/// <c>limit</c> (1–100, default 50) and <c>cursor</c>. Anything unknown, repeated or malformed is a
/// 400 naming the parameter, so a typo never silently widens the answer.
/// Public so that another front end of the trail (the self-service page) accepts and refuses exactly what the endpoint does.
/// </summary>
public static class AuditQueryReader
{
    private static readonly string[] s_known = ["actor", "subject", "key_id", "action", "since", "until", "limit", "cursor"];

    /// <summary>Reads the filters, page size and cursor; throws <see cref="InvalidRequestException"/> naming the parameter for anything it refuses.</summary>
    /// <param name="query">The query string, or form fields under the same names.</param>
    /// <returns>The query to pass to <see cref="AuditTrail.ReadAsync"/>.</returns>
    public static AuditQuery Read(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        QueryParameters.RefuseUnknownAndRepeated(query, s_known, "the audit trail is filtered by");

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

    private static string? Text(IQueryCollection query, string name) => QueryParameters.Text(query, name, 1024);

    private static DateTimeOffset? Instant(IQueryCollection query, string name) => QueryParameters.Instant(query, name, 1024);
}
