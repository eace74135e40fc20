namespace Maas.Usage;

/// <summary>What the administrators' usage report (<see cref="IUsageLedger.ReportAsync"/>) sums separately.</summary>
public enum UsageReportGrouping
{
    /// <summary>Each user.</summary>
    User,

    /// <summary>Each model.</summary>
    Model,

    /// <summary>Each tier the callers were in at the time of their calls.</summary>
    Tier,

    /// <summary>Each value of one label of the keys (<see cref="UsageReportQuery.Label"/>); calls without it form one group, <see langword="null"/>.</summary>
    Label,
}
