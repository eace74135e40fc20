using Maas.Auditing;

namespace Maas.Storage.InMemory;

/// <summary>
/// The audit trail of the <c>in-memory</c> store: a list with no update or removal path
/// (append-only), guarded by the store's lock so a key and its creation entry, or a rotation and
/// its entry, happen under the one lock (<see cref="AppendLocked"/>).
/// </summary>
internal sealed class InMemoryAuditLog(Lock gate) : IAuditLog
{
    private readonly List<AuditEntry> _entries = [];

    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lock (gate)
        {
            AppendLocked(entry);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, AuditQuery.MaxLimit);
        var page = new List<AuditEntry>(query.Limit + 1);
        lock (gate)
        {
            // Appended in instant order unless a caller's clock went back: sort a copy only then.
            IEnumerable<AuditEntry> newestFirst = Enumerable.Reverse(_entries);
            if (!IsOrdered())
            {
                newestFirst = _entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Sequence);
            }

            foreach (var entry in newestFirst)
            {
                if (query.Matches(entry))
                {
                    page.Add(entry);
                    if (page.Count > query.Limit)
                    {
                        break;
                    }
                }
            }
        }

        var hasMore = page.Count > query.Limit;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        return ValueTask.FromResult(new AuditPage
        {
            Entries = page,
            Next = hasMore ? new AuditPosition(page[^1].At, page[^1].Sequence) : null,
        });
    }

    private bool IsOrdered()
    {
        for (var i = 1; i < _entries.Count; i++)
        {
            if (_entries[i].At < _entries[i - 1].At)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Appends <paramref name="entry"/>; the caller holds the store's lock. Sequences start at 1 and follow the order of appends.</summary>
    public void AppendLocked(AuditEntry entry) =>
        _entries.Add(entry with { Sequence = _entries.Count + 1, At = entry.At.ToUniversalTime() });
}
