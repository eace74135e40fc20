namespace Maas.Usage;

/// <summary>Which of one user's usage to read, and how to sum it (<see cref="IUsageLedger.QueryAsync"/>).</summary>
public sealed record UsageQuery
{
    /// <summary>The longest range one query may cover.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>Gets the user whose usage is read.</summary>
    public required string User { get; init; }

    /// <summary>Gets the earliest hour, inclusive: rows of hours starting at or after it.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>Gets the end, exclusive: rows of hours starting before it.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Gets the period each bucket sums.</summary>
    public UsageGranularity Granularity { get; init; } = UsageGranularity.Day;

    /// <summary>Gets what each bucket sums separately.</summary>
    public UsageGrouping GroupBy { get; init; } = UsageGrouping.Model;

    /// <summary>Gets the label whose values group the buckets; required with <see cref="UsageGrouping.Label"/> and ignored otherwise.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the start of the period of <see cref="Granularity"/> that holds <paramref name="instant"/>, in UTC.</summary>
    public DateTimeOffset PeriodOf(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return Granularity switch
        {
            UsageGranularity.Hour => UsageIncrement.HourOf(instant),
            UsageGranularity.Day => new DateTimeOffset(utc.Date, TimeSpan.Zero),
            _ => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
        };
    }

    /// <summary>Checks what a store relies on: a user, <see cref="From"/> before <see cref="To"/> within <see cref="MaxRange"/>, a label when grouping by one.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(User);
        if (From >= To || To - From > MaxRange)
        {
            throw new ArgumentOutOfRangeException(nameof(To), $"A usage query covers more than nothing and at most {MaxRange.TotalDays} days.");
        }

        if (!Enum.IsDefined(Granularity))
        {
            throw new ArgumentOutOfRangeException(nameof(Granularity));
        }

        if (!Enum.IsDefined(GroupBy))
        {
            throw new ArgumentOutOfRangeException(nameof(GroupBy));
        }

        if (GroupBy == UsageGrouping.Label)
        {
            ArgumentException.ThrowIfNullOrEmpty(Label);
        }
    }

    /// <summary>Gets the group of a row: its model, its credential, or its value of <see cref="Label"/>.</summary>
    public string? GroupOf(string model, string credential, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return GroupBy switch
        {
            UsageGrouping.Model => model,
            UsageGrouping.Key => credential,
            _ => labels.TryGetValue(Label!, out var value) ? value : null,
        };
    }
}
