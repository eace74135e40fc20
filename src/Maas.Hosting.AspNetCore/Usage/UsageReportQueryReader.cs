using System.Globalization;
using Maas.Errors;
using Maas.Hosting.Requests;
using Maas.Usage;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Usage;

/// <summary>
/// Reads the query string of <c>GET /v1/usage/report</c>: <c>from</c> (inclusive) and <c>to</c>
/// (exclusive) as RFC 3339 instants (by default the last 30 days up to now), at most 400 days apart;
/// <c>group_by</c> <c>user</c> (the default), <c>model</c>, <c>tier</c> or <c>label:&lt;name&gt;</c>; the
/// filters <c>user</c>, <c>model</c> and <c>tier</c>; <c>limit</c> (1–1000, default 100) and
/// <c>cursor</c>. Anything unknown, repeated or malformed is a 400 naming the parameter.
/// Public so that another front end of the report (the self-service page) accepts and refuses exactly what the endpoint does.
/// </summary>
public static class UsageReportQueryReader
{
    private static readonly string[] s_known = ["from", "to", "group_by", "user", "model", "tier", "limit", "cursor"];

    /// <summary>Reads the range, grouping, filters, page size and cursor; throws <see cref="InvalidRequestException"/> naming the parameter for anything it refuses.</summary>
    /// <param name="query">The query string, or fields under the same names.</param>
    /// <param name="now">The instant <c>to</c> defaults to.</param>
    /// <returns>The query to pass to <see cref="IUsageLedger.ReportAsync"/>.</returns>
    public static UsageReportQuery Read(IQueryCollection query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        QueryParameters.RefuseUnknownAndRepeated(query, s_known, "the usage report takes");

        var to = Instant(query, "to") ?? now;
        var from = Instant(query, "from") ?? to - UsageHistoryQueryReader.DefaultRange;
        if (from >= to)
        {
            throw new InvalidRequestException("to", "to must be later than from.");
        }

        if (to - from > UsageQuery.MaxRange)
        {
            throw new InvalidRequestException("from", $"from and to may be at most {UsageQuery.MaxRange.TotalDays} days apart.");
        }

        var (groupBy, label) = Text(query, "group_by") switch
        {
            null or "user" => (UsageReportGrouping.User, (string?)null),
            "model" => (UsageReportGrouping.Model, null),
            "tier" => (UsageReportGrouping.Tier, null),
            { } text when text.StartsWith("label:", StringComparison.Ordinal) && UsageHistoryQueryReader.IsLabelName(text.AsSpan(6)) => (UsageReportGrouping.Label, text[6..]),
            _ => throw new InvalidRequestException("group_by", "group_by must be user, model, tier or label:<name> (a label key such as label:team)."),
        };

        var limit = UsageReportQuery.DefaultLimit;
        if (Text(query, "limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > UsageReportQuery.MaxLimit))
        {
            throw new InvalidRequestException("limit", $"limit must be a whole number from 1 to {UsageReportQuery.MaxLimit}.");
        }

        var report = new UsageReportQuery
        {
            From = from,
            To = to,
            GroupBy = groupBy,
            Label = label,
            User = Text(query, "user"),
            Model = Text(query, "model"),
            Tier = Text(query, "tier"),
            Limit = limit,
        };
        return QueryParameters.Text(query, "cursor", UsageReportCursor.MaxLength) is { } cursor
            ? report with { After = UsageReportCursor.Read(report, cursor) }
            : report;
    }

    private static string? Text(IQueryCollection query, string name) => QueryParameters.Text(query, name, 256);

    private static DateTimeOffset? Instant(IQueryCollection query, string name) => QueryParameters.Instant(query, name, 256);
}
