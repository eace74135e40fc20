using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Auditing;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// Group commit of the writes that come many at a time (created keys with their audit entries,
/// audit entries alone): concurrent writes queue up while one transaction is being made durable,
/// and the next writer commits all of them in one transaction and one fsync. Each caller is
/// answered only after the transaction holding its write has committed, so an acknowledged write
/// is durable; a duplicate key fails alone (a savepoint per key), not the whole batch. A key and
/// its audit entry are one queued write, inserted under one savepoint: they are taken, committed,
/// rolled back or withdrawn together, never apart.
/// </summary>
internal sealed class SqliteGroupCommit(SqliteDatabase database)
{
    private const int MaxBatch = 512;

    private readonly ConcurrentQueue<PendingWrite> _pendingWrites = new();
    private int _draining;

    /// <summary>Commits <paramref name="key"/> and, when given, its <paramref name="audit"/> entry, together.</summary>
    public ValueTask AddAsync(ApiKeyRecord key, AuditEntry? audit, CancellationToken cancellationToken) =>
        CommitQueuedAsync(new PendingWrite(key, audit), cancellationToken);

    /// <summary>Commits an audit entry on its own.</summary>
    public ValueTask AppendAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        CommitQueuedAsync(new PendingWrite(null, entry), cancellationToken);

    private async ValueTask CommitQueuedAsync(PendingWrite pending, CancellationToken cancellationToken)
    {
        _pendingWrites.Enqueue(pending);

        // One drain at a time commits the queue for everyone, off the callers' own flows (a caller
        // that drained would wait for others' writes too); every caller waits only for its own
        // write's outcome. When each caller took the writer lock in turn instead, most of them woke
        // only to find their write committed by the one before: a thread handoff per caller per
        // transaction, which under 64 concurrent creates cost more than the inserts themselves.
        if (Volatile.Read(ref _draining) == 0 && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            _ = Task.Run(DrainLoopAsync, CancellationToken.None);
        }

        try
        {
            await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (pending.TryCancel())
        {
            // Withdrawn before a writer took it: nothing was written.
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A writer already took it: its transaction's outcome is the answer.
            await pending.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Drains until the queue is empty, then gives up the drain; never throws.</summary>
    private async Task DrainLoopAsync()
    {
        while (true)
        {
            try
            {
                await DrainAsync().ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _draining, 0);
            }

            // A write queued after the last pass saw the queue empty, while the flag was still set,
            // started no drain: drain again unless another drain has started meanwhile.
            if (_pendingWrites.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Commits queued writes, up to <see cref="MaxBatch"/> a transaction, until the queue is empty.
    /// Not cancellable: a batch holds many callers' writes, and a caller that gives up withdraws its
    /// own while it is still queued. When a pass fails before taking its batch, every write still
    /// queued gets that failure, as each caller did when it committed for itself.
    /// </summary>
    private async Task DrainAsync()
    {
        while (!_pendingWrites.IsEmpty)
        {
            try
            {
                await database.WriteAsync((session, _) => CommitPendingWrites(session), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // CommitPendingWrites gave its batch this failure; writes it did not take get it too.
                while (_pendingWrites.TryDequeue(out var queued))
                {
                    if (queued.TryTake())
                    {
                        queued.Completion.TrySetException(ex);
                    }
                }
            }
        }
    }

    private int CommitPendingWrites(SqliteSession session)
    {
        var batch = new List<PendingWrite>();
        while (batch.Count < MaxBatch && _pendingWrites.TryDequeue(out var next))
        {
            if (next.TryTake())
            {
                batch.Add(next);
            }
        }

        if (batch.Count == 0)
        {
            return 0;
        }

        var outcomes = new Exception?[batch.Count];
        try
        {
            using var transaction = session.Connection.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Key is not { } key)
                {
                    SqliteAuditLog.Insert(session, transaction, batch[i].Audit!);
                    continue;
                }

                // The key and its entry under one savepoint: a duplicate rolls back both, and any
                // other failure fails the whole transaction, so neither is ever committed alone.
                session.Command("SAVEPOINT maas_add", transaction).ExecuteNonQuery();
                try
                {
                    SqliteKeyRows.Insert(session, transaction, key);
                    if (batch[i].Audit is { } audit)
                    {
                        SqliteAuditLog.Insert(session, transaction, audit);
                    }

                    session.Command("RELEASE maas_add", transaction).ExecuteNonQuery();
                }
                catch (SqliteException ex) when (SqliteKeyRows.IsDuplicate(ex))
                {
                    session.Command("ROLLBACK TO maas_add", transaction).ExecuteNonQuery();
                    session.Command("RELEASE maas_add", transaction).ExecuteNonQuery();
                    outcomes[i] = SqliteKeyRows.Duplicate(ex);
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            var failure = SqliteFailures.IsUnavailable(ex) ? SqliteFailures.Unavailable(ex) : ex;
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }

            if (!ReferenceEquals(failure, ex))
            {
                throw failure;
            }

            throw;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is { } failure)
            {
                batch[i].Completion.TrySetException(failure);
            }
            else
            {
                batch[i].Completion.TrySetResult();
            }
        }

        return batch.Count;
    }

    /// <summary>
    /// A key (with its creation entry, when given) or an audit entry alone, waiting to be written;
    /// taken by exactly one writer, or cancelled before.
    /// </summary>
    private sealed class PendingWrite(ApiKeyRecord? key, AuditEntry? audit)
    {
        private int _state; // 0 queued, 1 taken by a writer, 2 cancelled

        public ApiKeyRecord? Key { get; } = key;

        public AuditEntry? Audit { get; } = audit;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsQueued => Volatile.Read(ref _state) == 0;

        public bool TryTake() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryCancel() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;
    }
}
