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
    private readonly Dictionary<(DateTimeOffset Start, string? Group), Sums> _buckets = [];

    /// <summary>Adds one row of the hour starting at <paramref name="hour"/>.</summary>
    public void Add(DateTimeOffset hour, string model, string credential, IReadOnlyDictionary<string, string> labels, UsageOutcome outcome, long requests, long prompt, long completion) =>
        Add(hour, query.GroupOf(model, credential, labels), outcome, requests, prompt, completion);

    /// <summary>Adds one row whose group is known.</summary>
    public void Add(DateTimeOffset hour, string? group, UsageOutcome outcome, long requests, long prompt, long completion)
    {
        var key = (query.PeriodOf(hour), group);
        if (!_buckets.TryGetValue(key, out var sums))
        {
            sums = new Sums();
            _buckets.Add(key, sums);
        }

        sums.Requests = SaturatingAdd(sums.Requests, requests);
        if (outcome == UsageOutcome.Limited)
        {
            sums.Limited = SaturatingAdd(sums.Limited, requests);
        }
        else if (outcome == UsageOutcome.UpstreamError)
        {
            sums.Failed = SaturatingAdd(sums.Failed, requests);
        }

        sums.Prompt = SaturatingAdd(sums.Prompt, prompt);
        sums.Completion = SaturatingAdd(sums.Completion, completion);
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

    /// <summary>Adds a count of at least 0, saturating; a negative <paramref name="b"/> (never stored) is added as is, so a corrupt row shows.</summary>
    public static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;

    private sealed class Sums
    {
        public long Requests { get; set; }

        public long Limited { get; set; }

        public long Failed { get; set; }

        public long Prompt { get; set; }

        public long Completion { get; set; }
    }
}
