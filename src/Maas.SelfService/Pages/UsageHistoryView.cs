using Maas.ApiKeys;
using Maas.Usage;
using Maas.Users;

namespace Maas.SelfService.Pages;

/// <summary>
/// The caller's last <see cref="Days"/> days from the usage ledger (<see cref="IUsageLedger"/>), per day in UTC
/// (today included, so far): one chart per model and one per key, of tokens or of requests. Only the caller's
/// own rows are read; a day without usage is a 0.
/// </summary>
internal sealed class UsageHistoryView
{
    /// <summary>How many days the screen shows.</summary>
    public const int Days = 30;

    private UsageHistoryView(UsageChart byModel, UsageChart byKey)
    {
        ByModel = byModel;
        ByKey = byKey;
    }

    public UsageChart ByModel { get; }

    public UsageChart ByKey { get; }

    /// <summary>Gets whether any call was counted in these days (otherwise the screen says so instead of drawing zeros).</summary>
    public bool Any => ByModel.Series.Count > 0;

    /// <summary>Reads <paramref name="caller"/>'s days up to <paramref name="now"/>, naming their keys by <paramref name="keys"/>.</summary>
    /// <exception cref="StoreUnavailableException">The store that keeps the ledger cannot be reached.</exception>
    public static async Task<UsageHistoryView> ReadAsync(
        IUsageLedger ledger, MaasUser caller, IReadOnlyList<ApiKeyRecord> keys, UsageMetric metric, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(keys);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var first = today.AddDays(-(Days - 1));
        var days = Enumerable.Range(0, Days).Select(first.AddDays).ToArray();
        var from = new DateTimeOffset(first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var unit = metric == UsageMetric.Requests ? "requests" : "tokens";
        var what = metric == UsageMetric.Requests ? "Requests" : "Tokens";

        async Task<Dictionary<string, long[]>> CountAsync(UsageGrouping grouping, Func<string, string> name)
        {
            var buckets = await ledger.QueryAsync(
                new UsageQuery { User = caller.Name, From = from, To = from.AddDays(Days), Granularity = UsageGranularity.Day, GroupBy = grouping },
                cancellationToken).ConfigureAwait(false);
            var counts = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var bucket in buckets)
            {
                var day = DateOnly.FromDateTime(bucket.Start.UtcDateTime).DayNumber - first.DayNumber;
                if (day is < 0 or >= Days)
                {
                    continue;
                }

                var series = name(bucket.Group ?? "");
                if (!counts.TryGetValue(series, out var values))
                {
                    counts[series] = values = new long[Days];
                }

                values[day] = Saturating.Add(values[day], metric == UsageMetric.Requests ? bucket.Requests : bucket.TotalTokens);
            }

            return counts;
        }

        // Keys are named by their names, and by their ids too where two share a name.
        var shared = keys.GroupBy(k => k.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var keyNames = keys.ToDictionary(k => k.Id, k => shared.Contains(k.Name) ? $"{k.Name} ({k.Id})" : k.Name, StringComparer.Ordinal);
        var byModel = await CountAsync(UsageGrouping.Model, model => model).ConfigureAwait(false);
        var byKey = await CountAsync(UsageGrouping.Key, credential => credential == UsageIncrement.TokenCredential
            ? "Tokens (not a key)"
            : keyNames.TryGetValue(credential, out var keyName) ? keyName : "Key " + credential).ConfigureAwait(false);
        return new UsageHistoryView(
            new UsageChart { Id = "chart-model", Heading = "By model", Title = $"{what} per day by model, last {Days} days", Unit = unit, Days = days, Series = UsageChart.SeriesOf(byModel, "Other models") },
            new UsageChart { Id = "chart-key", Heading = "By key", Title = $"{what} per day by key, last {Days} days", Unit = unit, Days = days, Series = UsageChart.SeriesOf(byKey, "Other keys") });
    }
}

/// <summary>What the usage charts count.</summary>
internal enum UsageMetric
{
    /// <summary>Prompt and completion tokens.</summary>
    Tokens,

    /// <summary>Calls of every outcome (refused by a limit and failed ones included).</summary>
    Requests,
}
