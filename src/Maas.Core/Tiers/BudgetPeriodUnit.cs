namespace Maas.Tiers;

/// <summary>What kind of period a <see cref="BudgetPeriod"/> is.</summary>
public enum BudgetPeriodUnit
{
    /// <summary>A fixed length (<see cref="BudgetPeriod.Length"/>), aligned to the Unix epoch.</summary>
    Duration,

    /// <summary>A calendar day, from midnight to midnight in the time zone.</summary>
    Day,

    /// <summary>A calendar week, from Monday midnight to Monday midnight in the time zone (ISO 8601).</summary>
    Week,

    /// <summary>A calendar month, from the first's midnight to the next first's in the time zone.</summary>
    Month,
}
