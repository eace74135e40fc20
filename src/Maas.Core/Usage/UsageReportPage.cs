namespace Maas.Usage;

/// <summary>One page of the administrators' usage report: the groups with the most tokens first.</summary>
public sealed record UsageReportPage
{
    /// <summary>Gets the entries of the page, in the report's order (<see cref="UsageReportPosition.Compare"/>).</summary>
    public required IReadOnlyList<UsageReportEntry> Entries { get; init; }

    /// <summary>Gets where to continue when more groups match, or <see langword="null"/> on the last page.</summary>
    public UsageReportPosition? Next { get; init; }
}
