namespace Maas.SelfService.Pages;

/// <summary>
/// One chart of the usage screen: a count per day (tokens or requests) for each series (a model or a
/// key), stacked; what <see cref="UsageChartSvg"/> draws and the table beside it lists. The table and the
/// chart show the same <see cref="Series"/>: the table is what screen readers read.
/// </summary>
internal sealed class UsageChart
{
    /// <summary>The most series a chart draws: beyond it the smallest are summed into one.</summary>
    public const int MaxSeries = 7;

    /// <summary>Gets the id the chart's elements are named after (unique on the page).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the chart's heading on the screen, for example "By model".</summary>
    public required string Heading { get; init; }

    /// <summary>Gets what the chart shows, for example "Tokens per day by model, last 30 days".</summary>
    public required string Title { get; init; }

    /// <summary>Gets the unit of the counts, for example "tokens".</summary>
    public required string Unit { get; init; }

    /// <summary>Gets the days, oldest first: one column each.</summary>
    public required IReadOnlyList<DateOnly> Days { get; init; }

    /// <summary>Gets the series, largest first, each with one count per day of <see cref="Days"/>.</summary>
    public required IReadOnlyList<UsageSeries> Series { get; init; }

    /// <summary>Gets the total of each day over every series, saturating at <see cref="long.MaxValue"/>.</summary>
    public IReadOnlyList<long> DayTotals => _dayTotals ??= [.. Days.Select((_, day) => Saturating.Sum(Series.Select(s => s.Values[day])))];

    /// <summary>Gets the largest day's total: what the bars are scaled to.</summary>
    public long Largest => DayTotals.Count == 0 ? 0 : DayTotals.Max();

    /// <summary>Gets the total over every day and series.</summary>
    public long Total => Saturating.Sum(DayTotals);

    private IReadOnlyList<long>? _dayTotals;

    /// <summary>
    /// Gets the series of <paramref name="counts"/> (a name and its count per day), largest total first (then by
    /// name); when there are more than <see cref="MaxSeries"/>, the smallest are summed into one named <paramref name="others"/>.
    /// </summary>
    public static IReadOnlyList<UsageSeries> SeriesOf(IEnumerable<KeyValuePair<string, long[]>> counts, string others)
    {
        var ranked = counts
            .Select(c => new UsageSeries(c.Key, c.Value))
            .OrderByDescending(s => s.Total)
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();
        if (ranked.Count <= MaxSeries)
        {
            return ranked;
        }

        var rest = ranked.Skip(MaxSeries - 1).ToList();
        var summed = new long[rest[0].Values.Count];
        for (var day = 0; day < summed.Length; day++)
        {
            summed[day] = Saturating.Sum(rest.Select(s => s.Values[day]));
        }

        return [.. ranked.Take(MaxSeries - 1), new UsageSeries(others, summed) { IsOthers = true }];
    }
}

/// <summary>One series of a <see cref="UsageChart"/>: a model or a key (or the rest summed), with its count per day.</summary>
internal sealed record UsageSeries(string Name, IReadOnlyList<long> Values)
{
    /// <summary>Gets whether this series sums the series beyond <see cref="UsageChart.MaxSeries"/>.</summary>
    public bool IsOthers { get; init; }

    /// <summary>Gets the series' total over every day, saturating.</summary>
    public long Total => Saturating.Sum(Values);
}

/// <summary>
/// Sums of counts that stop at <see cref="long.MaxValue"/> instead of wrapping (the ledger's sums saturate too);
/// a count below 0, which the ledger never gives, counts as 0.
/// </summary>
internal static class Saturating
{
    public static long Add(long a, long b)
    {
        (a, b) = (Math.Max(a, 0), Math.Max(b, 0));
        return a > long.MaxValue - b ? long.MaxValue : a + b;
    }

    public static long Sum(IEnumerable<long> values)
    {
        var sum = 0L;
        foreach (var value in values)
        {
            sum = Add(sum, value);
        }

        return sum;
    }
}
