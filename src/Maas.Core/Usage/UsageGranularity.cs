namespace Maas.Usage;

/// <summary>The period a usage report sums over: calendar periods in UTC.</summary>
public enum UsageGranularity
{
    /// <summary>Each hour.</summary>
    Hour,

    /// <summary>Each UTC day.</summary>
    Day,

    /// <summary>Each UTC calendar month.</summary>
    Month,
}
