using Maas.Usage;

namespace Maas.Storage.InMemory;

/// <summary>
/// The usage ledger of the <c>in-memory</c> store: one row per hour, user, credential, tier, model
/// and outcome, counts added saturating, and the ids of the batches applied; one lock of its own
/// (the gateway writes about once a second, so it never meets the key store's callers).
/// </summary>
internal sealed class InMemoryUsageLedger : IUsageLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<RowKey, Row> _rows = [];
    private readonly Dictionary<Guid, DateTimeOffset> _batches = [];

    public ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Increments);
        ArgumentOutOfRangeException.ThrowIfZero(batch.Increments.Count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch.Increments.Count, UsageBatch.MaxIncrements);
        foreach (var increment in batch.Increments)
        {
            ArgumentNullException.ThrowIfNull(increment);
            increment.Validate();
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_batches.ContainsKey(batch.Id))
            {
                return ValueTask.FromResult(false);
            }

            var earliest = DateTimeOffset.MaxValue;
            foreach (var increment in batch.Increments)
            {
                var key = new RowKey(increment.Hour.UtcTicks, increment.User, increment.Credential, increment.Tier, increment.Model, increment.Outcome);
                if (!_rows.TryGetValue(key, out var row))
                {
                    row = new Row(new Dictionary<string, string>(increment.Labels, StringComparer.Ordinal));
                    _rows.Add(key, row);
                }

                row.Requests = UsageSums.SaturatingAdd(row.Requests, increment.Requests);
                row.Prompt = UsageSums.SaturatingAdd(row.Prompt, increment.PromptTokens);
                row.Completion = UsageSums.SaturatingAdd(row.Completion, increment.CompletionTokens);
                earliest = increment.Hour < earliest ? increment.Hour : earliest;
            }

            // Kept as long as the batch's oldest hour, so the retention sweep forgets both together.
            _batches.Add(batch.Id, earliest);
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var buckets = new UsageBuckets(query);
        var from = query.From.UtcTicks;
        var to = query.To.UtcTicks;
        lock (_gate)
        {
            foreach (var (key, row) in _rows)
            {
                if (key.HourTicks >= from && key.HourTicks < to && string.Equals(key.User, query.User, StringComparison.Ordinal))
                {
                    buckets.Add(new DateTimeOffset(key.HourTicks, TimeSpan.Zero), key.Model, key.Credential, row.Labels, key.Outcome, row.Requests, row.Prompt, row.Completion);
                }
            }
        }

        return ValueTask.FromResult(buckets.ToList());
    }

    public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var sums = new UsageReportSums(query);
        var from = query.From.UtcTicks;
        var to = query.To.UtcTicks;
        lock (_gate)
        {
            foreach (var (key, row) in _rows)
            {
                if (key.HourTicks >= from && key.HourTicks < to)
                {
                    sums.Add(key.User, key.Tier, key.Model, row.Labels, key.Outcome, row.Requests, row.Prompt, row.Completion);
                }
            }
        }

        return ValueTask.FromResult(sums.ToPage());
    }

    public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ticks = before.UtcTicks;
        long removed = 0;
        lock (_gate)
        {
            foreach (var key in _rows.Keys.Where(k => k.HourTicks < ticks).ToList())
            {
                _rows.Remove(key);
                removed++;
            }

            foreach (var id in _batches.Where(b => b.Value < before).Select(b => b.Key).ToList())
            {
                _batches.Remove(id);
            }
        }

        return ValueTask.FromResult(removed);
    }

    private readonly record struct RowKey(long HourTicks, string User, string Credential, string Tier, string Model, UsageOutcome Outcome);

    private sealed class Row(IReadOnlyDictionary<string, string> labels)
    {
        public IReadOnlyDictionary<string, string> Labels { get; } = labels;

        public long Requests { get; set; }

        public long Prompt { get; set; }

        public long Completion { get; set; }
    }
}
