namespace Maas.Usage;

/// <summary>
/// Where a page of the usage report ended: the total tokens and group of its last entry. The report is
/// ordered by total tokens descending, then group ascending (ordinal, the missing label first), so the
/// next page starts strictly after this pair; a group is never listed twice unless its total changed
/// between the pages (the ledger kept counting).
/// </summary>
/// <param name="TotalTokens">The total tokens of the last entry returned, at least 0.</param>
/// <param name="Group">The group of the last entry returned.</param>
public readonly record struct UsageReportPosition(long TotalTokens, string? Group)
{
    /// <summary>Tells whether a group with <paramref name="totalTokens"/> comes after this position in the report's order.</summary>
    public bool Precedes(long totalTokens, string? group) =>
        totalTokens < TotalTokens || (totalTokens == TotalTokens && group is not null && (Group is null || string.CompareOrdinal(group, Group) > 0));

    /// <summary>The report's order: total tokens descending, then group ascending (ordinal, <see langword="null"/> first).</summary>
    public static int Compare(UsageReportEntry x, UsageReportEntry y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var byTotal = y.TotalTokens.CompareTo(x.TotalTokens);
        return byTotal != 0 ? byTotal : string.CompareOrdinal(x.Group, y.Group);
    }
}
