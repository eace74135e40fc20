using Maas.ApiKeys;
using Maas.Hosting.Usage;
using Maas.Usage;

namespace Maas.SelfService.Pages;

/// <summary>
/// A page of the administrators' usage report as the screen shows it: the groups with the most tokens first
/// (<see cref="IUsageLedger.ReportAsync"/>), the days they cover, the cursor of the next page, and the bar chart
/// of the first <see cref="UsageReportChartSvg.MaxBars"/> groups' tokens (the table lists every group).
/// </summary>
internal sealed class UsageReportView
{
    private UsageReportView(UsageReportQuery query, UsageReportPage page)
    {
        Query = query;
        Entries = page.Entries;
        NextCursor = page.Next is { } next ? UsageReportCursor.Write(query, next) : null;
    }

    public UsageReportQuery Query { get; }

    public IReadOnlyList<UsageReportEntry> Entries { get; }

    /// <summary>Gets the cursor of the next page (the one <c>GET /v1/usage/report</c> would give); <see langword="null"/> on the last.</summary>
    public string? NextCursor { get; }

    /// <summary>Gets the first day of the report (UTC).</summary>
    public DateOnly FirstDay => DateOnly.FromDateTime(Query.From.UtcDateTime);

    /// <summary>Gets the last day of the report (UTC), included.</summary>
    public DateOnly LastDay => DateOnly.FromDateTime(Query.To.UtcDateTime.AddTicks(-1));

    /// <summary>Gets what a group is, for a column's heading: "User", "Model", "Tier" or "Label team".</summary>
    public string GroupHeading => Query.GroupBy switch
    {
        UsageReportGrouping.User => "User",
        UsageReportGrouping.Model => "Model",
        UsageReportGrouping.Tier => "Tier",
        _ => "Label " + Query.Label,
    };

    /// <summary>Gets what a group is, in a sentence: "users", "models", "tiers" or "values of the label team".</summary>
    public string GroupsName => Query.GroupBy switch
    {
        UsageReportGrouping.User => "users",
        UsageReportGrouping.Model => "models",
        UsageReportGrouping.Tier => "tiers",
        _ => "values of the label " + Query.Label,
    };

    /// <summary>Gets the chart's title: what it shows, over which days.</summary>
    public string ChartTitle => $"Tokens by {GroupsName}, {Display.Show(FirstDay)} to {Display.Show(LastDay)}";

    /// <summary>A group's name on the screen: calls without the label are grouped as "(no label)".</summary>
    public static string NameOf(UsageReportEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Group ?? "(no label)";
    }

    /// <summary>Reads the page of the report <paramref name="query"/> asks for.</summary>
    /// <exception cref="StoreUnavailableException">The store that keeps the ledger cannot be reached.</exception>
    public static async Task<UsageReportView> ReadAsync(IUsageLedger ledger, UsageReportQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(query);
        var page = await ledger.ReportAsync(query, cancellationToken).ConfigureAwait(false);
        return For(query, page);
    }

    /// <summary>The view of <paramref name="page"/>, read for <paramref name="query"/>.</summary>
    internal static UsageReportView For(UsageReportQuery query, UsageReportPage page) => new(query, page);
}
