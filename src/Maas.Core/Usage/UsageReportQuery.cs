namespace Maas.Usage;

/// <summary>
/// Which usage the administrators' report sums over every user (<see cref="IUsageLedger.ReportAsync"/>):
/// a range of hours, one grouping, optional filters, and a page of the groups with the most tokens.
/// </summary>
public sealed record UsageReportQuery
{
    /// <summary>The most groups one page may hold.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The page size when none is asked for.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Gets the earliest hour, inclusive: rows of hours starting at or after it.</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>Gets the end, exclusive: rows of hours starting before it; at most <see cref="UsageQuery.MaxRange"/> after <see cref="From"/>.</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Gets what each entry sums separately.</summary>
    public UsageReportGrouping GroupBy { get; init; } = UsageReportGrouping.User;

    /// <summary>Gets the label whose values group the entries; required with <see cref="UsageReportGrouping.Label"/> and ignored otherwise.</summary>
    public string? Label { get; init; }

    /// <summary>Gets the only user to count, or <see langword="null"/> for every user.</summary>
    public string? User { get; init; }

    /// <summary>Gets the only model to count, or <see langword="null"/> for every model.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the only tier to count, or <see langword="null"/> for every tier.</summary>
    public string? Tier { get; init; }

    /// <summary>Gets the page size, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Gets where the previous page ended, or <see langword="null"/> for the first page.</summary>
    public UsageReportPosition? After { get; init; }

    /// <summary>Checks what a store relies on: <see cref="From"/> before <see cref="To"/> within <see cref="UsageQuery.MaxRange"/>, a label when grouping by one, filters not empty, a page size in range.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (From >= To || To - From > UsageQuery.MaxRange)
        {
            throw new ArgumentOutOfRangeException(nameof(To), $"A usage report covers more than nothing and at most {UsageQuery.MaxRange.TotalDays} days.");
        }

        if (!Enum.IsDefined(GroupBy))
        {
            throw new ArgumentOutOfRangeException(nameof(GroupBy));
        }

        if (GroupBy == UsageReportGrouping.Label)
        {
            ArgumentException.ThrowIfNullOrEmpty(Label);
        }

        if (User is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(User);
        }

        if (Model is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(Model);
        }

        if (Tier is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(Tier);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Limit, MaxLimit);
        if (After is { TotalTokens: < 0 })
        {
            throw new ArgumentOutOfRangeException(nameof(After));
        }
    }

    /// <summary>Tells whether a row of <paramref name="user"/>, <paramref name="tier"/> and <paramref name="model"/> passes every filter.</summary>
    public bool Matches(string user, string tier, string model) =>
        (User is null || string.Equals(user, User, StringComparison.Ordinal))
        && (Tier is null || string.Equals(tier, Tier, StringComparison.Ordinal))
        && (Model is null || string.Equals(model, Model, StringComparison.Ordinal));

    /// <summary>Gets the group of a row: its user, model, tier, or its value of <see cref="Label"/>.</summary>
    public string? GroupOf(string user, string tier, string model, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return GroupBy switch
        {
            UsageReportGrouping.User => user,
            UsageReportGrouping.Model => model,
            UsageReportGrouping.Tier => tier,
            _ => labels.TryGetValue(Label!, out var value) ? value : null,
        };
    }
}
