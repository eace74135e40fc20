using Maas.Usage;

namespace Maas.Hosting.Usage;

/// <summary>
/// The CSV of a page of the administrators' usage report, as <c>GET /v1/usage/report</c> with
/// <c>Accept: text/csv</c> answers it: a header row (the grouping, then the six counts), one row per
/// group, RFC 4180 with formula cells neutralised. Public so that another front end of the report (the
/// self-service page) offers the same file.
/// </summary>
public static class UsageReportCsv
{
    /// <summary>The content type of the file: CSV in UTF-8 with a header row.</summary>
    public const string ContentType = UsageCsv.ContentType;

    /// <summary>Writes the rows of <paramref name="entries"/>, a page of the report <paramref name="query"/> asked for.</summary>
    /// <param name="query">The report's parameters: its grouping names the first column.</param>
    /// <param name="entries">The page's groups: <see cref="UsageReportPage.Entries"/>.</param>
    /// <returns>The file's text, CRLF line ends.</returns>
    public static string Write(UsageReportQuery query, IReadOnlyList<UsageReportEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(entries);
        var csv = new UsageCsv().Text(GroupByName(query)).CountNames().EndRow();
        foreach (var entry in entries)
        {
            csv.Text(entry.Group)
                .Counts(entry.Requests, entry.LimitedRequests, entry.FailedRequests, entry.PromptTokens, entry.CompletionTokens, entry.TotalTokens)
                .EndRow();
        }

        return csv.ToString();
    }

    /// <summary>The file's name: <c>usage-report-20261101T0000-20261201T0000.csv</c>.</summary>
    /// <param name="query">The report's parameters: its range names the file.</param>
    /// <returns>The name, without a path.</returns>
    public static string FileName(UsageReportQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return $"usage-report-{UsageCsv.Range(query.From, query.To)}.csv";
    }

    /// <summary>The report's grouping as <c>group_by</c> names it: <c>user</c>, <c>model</c>, <c>tier</c> or <c>label:&lt;name&gt;</c>.</summary>
    internal static string GroupByName(UsageReportQuery query) => query.GroupBy switch
    {
        UsageReportGrouping.User => "user",
        UsageReportGrouping.Model => "model",
        UsageReportGrouping.Tier => "tier",
        _ => "label:" + query.Label,
    };
}
