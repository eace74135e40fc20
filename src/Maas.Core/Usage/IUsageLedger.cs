namespace Maas.Usage;

/// <summary>
/// The usage ledger capability of a key store: what every model call through the gateway counted,
/// aggregated per hour, kept for billing and reports after the limit windows forgot it. A store
/// implements it alongside <see cref="ApiKeys.IKeyStore"/>; the same instance, registered once as
/// <see cref="ApiKeys.IKeyStore"/>, serves both. Every implementation passes the same conformance suite.
/// </summary>
/// <remarks>
/// Writers add <em>increments</em>: each replica appends its own counts, and the store adds them to
/// the row of their hour (an upsert that adds, saturating at <see cref="long.MaxValue"/>), so the
/// totals equal the calls whatever the number of replicas. A batch is applied once: appending a batch
/// whose <see cref="UsageBatch.Id"/> the store already applied changes nothing, so a writer that did
/// not learn whether its batch committed (a connection lost at commit) sends it again safely.
/// </remarks>
public interface IUsageLedger
{
    /// <summary>
    /// Adds every increment of <paramref name="batch"/> to its hour's row, in one transaction, unless
    /// a batch with the same id was applied before (then nothing changes). Returns whether the batch
    /// was applied now.
    /// </summary>
    /// <exception cref="ApiKeys.StoreUnavailableException">The store cannot be reached; nothing was applied.</exception>
    ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads one user's usage in <see cref="UsageQuery.From"/> (inclusive) to <see cref="UsageQuery.To"/>
    /// (exclusive), summed per period of <see cref="UsageQuery.Granularity"/> and per group of
    /// <see cref="UsageQuery.GroupBy"/>; ordered by period, then group (ordinal, the missing label first).
    /// Sums saturate at <see cref="long.MaxValue"/>.
    /// </summary>
    ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The administrators' report over every user: the usage in <see cref="UsageReportQuery.From"/>
    /// (inclusive) to <see cref="UsageReportQuery.To"/> (exclusive) that passes the query's filters,
    /// summed per group of <see cref="UsageReportQuery.GroupBy"/> over the whole range; ordered by
    /// total tokens descending, then group (ordinal, the missing label first); one page of at most
    /// <see cref="UsageReportQuery.Limit"/> groups after <see cref="UsageReportQuery.After"/>.
    /// Sums saturate at <see cref="long.MaxValue"/>.
    /// </summary>
    ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The retention sweep: removes the rows of hours that start before <paramref name="before"/>, and
    /// the record of batches applied before it. Returns how many rows were removed.
    /// </summary>
    ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
