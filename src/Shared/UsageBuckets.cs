using Maas.Usage;

namespace Maas.Storage;

/// <summary>
/// Sums ledger rows into the buckets of a <see cref="UsageQuery"/>, saturating at
/// <see cref="long.MaxValue"/>, ordered by period then group (ordinal, <see langword="null"/> first).
/// One source file compiled into the in-memory and the SQLite store, which sum in process; the
/// PostgreSQL store sums in SQL with the same rules.
/// </summary>
internal sealed class UsageBuckets(UsageQuery query)
{
    private readonly Dictionary<(DateTimeOffset Start, string? Group), UsageSums> _buckets = [];

    /// <summary>Adds one row of the hour starting at <paramref name="hour"/>.</summary>
    public void Add(DateTimeOffset hour, string model, string credential, IReadOnlyDictionary<string, string> labels, UsageOutcome outcome, long requests, long prompt, long completion) =>
        Add(hour, query.GroupOf(model, credential, labels), outcome, requests, prompt, completion);

    /// <summary>Adds one row whose group is known.</summary>
    public void Add(DateTimeOffset hour, string? group, UsageOutcome outcome, long requests, long prompt, long completion)
    {
        var key = (query.PeriodOf(hour), group);
        if (!_buckets.TryGetValue(key, out var sums))
        {
            sums = new UsageSums();
            _buckets.Add(key, sums);
        }

        sums.Add(outcome, requests, prompt, completion);
    }

    public IReadOnlyList<UsageBucket> ToList() =>
    [
        .. _buckets
            .OrderBy(b => b.Key.Start)
            .ThenBy(b => b.Key.Group, StringComparer.Ordinal)
            .Select(b => new UsageBucket
            {
                Start = b.Key.Start,
                Group = b.Key.Group,
                Requests = b.Value.Requests,
                LimitedRequests = b.Value.Limited,
                FailedRequests = b.Value.Failed,
                PromptTokens = b.Value.Prompt,
                CompletionTokens = b.Value.Completion,
            }),
    ];
}
