using Maas.Usage;

namespace Maas.Storage;

/// <summary>
/// Sums ledger rows into the groups of a <see cref="UsageReportQuery"/> (rows that fail its filters are
/// skipped), saturating at <see cref="long.MaxValue"/>, and cuts one page in the report's order
/// (<see cref="UsageReportPosition.Compare"/>) after the query's position. One source file compiled
/// into the in-memory and the SQLite store, which sum in process; the PostgreSQL store sums in SQL with
/// the same rules.
/// </summary>
internal sealed class UsageReportSums(UsageReportQuery query)
{
    private readonly Dictionary<GroupKey, UsageSums> _groups = [];

    /// <summary>Adds one row, unless the query's filters leave it out.</summary>
    public void Add(string user, string tier, string model, IReadOnlyDictionary<string, string> labels, UsageOutcome outcome, long requests, long prompt, long completion)
    {
        if (!query.Matches(user, tier, model))
        {
            return;
        }

        var key = new GroupKey(query.GroupOf(user, tier, model, labels));
        if (!_groups.TryGetValue(key, out var sums))
        {
            sums = new UsageSums();
            _groups.Add(key, sums);
        }

        sums.Add(outcome, requests, prompt, completion);
    }

    /// <summary>The page: at most <see cref="UsageReportQuery.Limit"/> groups after <see cref="UsageReportQuery.After"/>, and where the next starts.</summary>
    public UsageReportPage ToPage()
    {
        var entries = _groups
            .Select(g => new UsageReportEntry
            {
                Group = g.Key.Group,
                Requests = g.Value.Requests,
                LimitedRequests = g.Value.Limited,
                FailedRequests = g.Value.Failed,
                PromptTokens = g.Value.Prompt,
                CompletionTokens = g.Value.Completion,
            })
            .Where(e => query.After is not { } after || after.Precedes(e.TotalTokens, e.Group))
            .ToList();
        entries.Sort(UsageReportPosition.Compare);
        if (entries.Count <= query.Limit)
        {
            return new UsageReportPage { Entries = entries };
        }

        var page = entries.GetRange(0, query.Limit);
        return new UsageReportPage { Entries = page, Next = page[^1].Position };
    }

    // A null group (calls without the label) is a key of its own.
    private readonly record struct GroupKey(string? Group);
}
