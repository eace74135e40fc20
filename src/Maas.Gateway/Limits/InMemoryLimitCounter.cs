using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// Counts limits in this process's memory: one replica's budget, exact, on the injected
/// <see cref="TimeProvider"/>. Windows follow <see cref="LimitWindows"/> (fixed, opened by the
/// partition's first counted call).
/// </summary>
/// <remarks>
/// <para>
/// Thread safety without a global lock: partitions live in a <see cref="ConcurrentDictionary{TKey, TValue}"/>
/// (lock-free reads) and each partition's two windows are updated under that partition's own
/// lock, which is what makes one acquire atomic over both limits. Calls of different users never
/// wait for each other. <c>System.Threading.RateLimiting</c>'s <c>FixedWindowRateLimiter</c> is not
/// used: its windows are aligned to a replenishment timer rather than opened by the first call,
/// and it cannot reserve an estimate and settle the real count.
/// </para>
/// <para>
/// Memory is bounded twice. A partition is dropped once both its windows and its budgets' periods
/// have ended (a sweep at most every <see cref="SweepInterval"/>, off the calling thread), so the
/// table holds only the partitions counted within the longest window or period (a month, for a
/// tier with a monthly budget); and it never holds more than
/// <c>maxPartitions</c> entries: a new partition beyond that, once expired ones are swept, is
/// answered as if the counters were unavailable (the configured <see cref="LimitFailureMode"/>,
/// with the log line and metric), so a flood of distinct users cannot exhaust memory. Partitions
/// are created only for callers the gateway has already authenticated.
/// </para>
/// </remarks>
internal sealed class InMemoryLimitCounter : ILimitCounter
{
    /// <summary>
    /// The default bound on partitions held at once; each takes about 190 bytes besides its names
    /// (measured before budgets; their three fields add 24), and a tier with budgets two arrays of
    /// a long per rule more.
    /// </summary>
    public const int DefaultMaxPartitions = 1_000_000;

    /// <summary>How often partitions whose windows have all ended are dropped.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private const long Closed = long.MinValue;

    // How often a full table is swept inline, at most.
    private static readonly TimeSpan FullSweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<LimitPartition, PartitionWindows> _partitions = new();
    private readonly TimeProvider _timeProvider;
    private readonly LimitCounterFailures _failures;
    private readonly int _maxPartitions;
    private readonly LimitBudgetCatalog _budgets;
    private int _count;
    private int _sweeping;
    private long _nextSweepTicks;
    private long _lastFullSweepTicks = long.MinValue / 2;

    public InMemoryLimitCounter(TimeProvider timeProvider, LimitCounterFailures failures, int maxPartitions = DefaultMaxPartitions, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPartitions, 1);
        _timeProvider = timeProvider;
        _failures = failures;
        _maxPartitions = maxPartitions;
        _budgets = new LimitBudgetCatalog(timeZone ?? TimeZoneInfo.Utc);
        _nextSweepTicks = timeProvider.GetUtcNow().UtcTicks + SweepInterval.Ticks;
    }

    /// <summary>Gets how many partitions are held, for tests of the memory bound.</summary>
    internal int PartitionCount => Volatile.Read(ref _count);

    /// <inheritdoc />
    public ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken) =>
        AcquireWithKeyAsync(partition, limits, null, null, estimatedTokens, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LimitDecision> AcquireWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, long estimatedTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedTokens);
        var budgets = _budgets.ForKey(partition.Tier, limits, keyId, keyLimits);
        var now = _timeProvider.GetUtcNow().UtcTicks;
        if (now >= Volatile.Read(ref _nextSweepTicks) && Interlocked.CompareExchange(ref _sweeping, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static counter => counter.SweepAndRelease(), this, preferLocal: false);
        }

        while (true)
        {
            var windows = GetOrAdd(partition, now);
            if (windows is null)
            {
                return new(_failures.Acquire(limits, "too many partitions counted at once"));
            }

            lock (windows.Lock)
            {
                if (windows.Retired)
                {
                    // Swept between lookup and lock: help remove it, then count in a fresh entry.
                    Remove(partition, windows);
                    continue;
                }

                _failures.Succeeded();
                return new(windows.Acquire(partition, limits, budgets, estimatedTokens, now));
            }
        }
    }

    /// <inheritdoc />
    public ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        if (!reservation.TryMarkSettled() || !_partitions.TryGetValue(reservation.Partition, out var windows))
        {
            // Settled before, or the partition was dropped because its windows ended.
            return default;
        }

        var now = _timeProvider.GetUtcNow().UtcTicks;
        lock (windows.Lock)
        {
            // Only into the window the tokens were reserved in, and only while it is open.
            if (!windows.Retired
                && windows.TokenStart == reservation.WindowStart.UtcTicks
                && IsOpen(windows.TokenStart, LimitWindows.TokenWindow.Ticks, now))
            {
                // Each term within 0..MaxCount, so the sum is exact; the count saturates, never wraps,
                // and a saturated count stays so until its window ends (LimitWindows.MaxCount).
                if (windows.TokenCount < LimitWindows.MaxCount)
                {
                    windows.TokenCount = LimitWindows.Saturate(windows.TokenCount + LimitWindows.Saturate(actualTokens) - LimitWindows.Saturate(reservation.Reserved));
                }
            }

            if (reservation.Budgets is { } budgets && !windows.Retired)
            {
                windows.Settle(budgets, reservation, actualTokens);
            }
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<LimitReading> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken) =>
        ReadWithKeyAsync(partition, limits, null, null, cancellationToken);

    /// <inheritdoc />
    public ValueTask<LimitReading> ReadWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var requestWindow = LimitWindows.RequestWindow(limits);
        var rules = _budgets.ForKey(partition.Tier, limits, keyId, keyLimits).Rules;
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var budgets = rules.Length == 0 ? [] : new BudgetState[rules.Length];
        if (!_partitions.TryGetValue(partition, out var windows))
        {
            for (var i = 0; i < rules.Length; i++)
            {
                budgets[i] = new BudgetState(rules[i], rules[i].State(rules[i].Bounds(now), 0, now));
            }

            return new(new LimitReading(LimitWindows.Untouched(limits.Requests, requestWindow), LimitWindows.Untouched(limits.TokensPerMinute, LimitWindows.TokenWindow), budgets));
        }

        lock (windows.Lock)
        {
            for (var i = 0; i < rules.Length; i++)
            {
                var bounds = rules[i].Bounds(now);
                budgets[i] = new BudgetState(rules[i], rules[i].State(bounds, windows.BudgetCount(rules[i], bounds.Start), now));
            }

            return new(new LimitReading(
                State(limits.Requests, windows.RequestStart, windows.RequestCount, requestWindow, now),
                State(limits.TokensPerMinute, windows.TokenStart, windows.TokenCount, LimitWindows.TokenWindow, now),
                budgets));
        }
    }

    /// <summary>Drops every partition whose windows have all ended; returns how many were dropped.</summary>
    internal int SweepExpired()
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var dropped = 0;
        foreach (var (partition, windows) in _partitions)
        {
            if (Volatile.Read(ref windows.ExpiresAt) > now)
            {
                continue;
            }

            lock (windows.Lock)
            {
                if (windows.ExpiresAt > now && !windows.Retired)
                {
                    continue;
                }

                // Retired under the lock: a caller that found this entry before removal retries with a new one.
                windows.Retired = true;
            }

            if (Remove(partition, windows))
            {
                dropped++;
            }
        }

        Volatile.Write(ref _nextSweepTicks, now + SweepInterval.Ticks);
        return dropped;
    }

    // Removes exactly this entry (not a newer one for the same partition); true for the one caller that did.
    private bool Remove(LimitPartition partition, PartitionWindows windows)
    {
        if (_partitions.TryRemove(new KeyValuePair<LimitPartition, PartitionWindows>(partition, windows)))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }

    private void SweepAndRelease()
    {
        try
        {
            SweepExpired();
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private PartitionWindows? GetOrAdd(LimitPartition partition, long now)
    {
        while (true)
        {
            if (_partitions.TryGetValue(partition, out var existing))
            {
                return existing;
            }

            if (Volatile.Read(ref _count) >= _maxPartitions)
            {
                // Full: make room from expired partitions first, inline, but at most once per
                // FullSweepInterval, so a flood of new users does not scan the table on every call.
                var last = Volatile.Read(ref _lastFullSweepTicks);
                if (now - last >= FullSweepInterval.Ticks && Interlocked.CompareExchange(ref _lastFullSweepTicks, now, last) == last)
                {
                    SweepExpired();
                }

                if (Volatile.Read(ref _count) >= _maxPartitions)
                {
                    return null;
                }
            }

            var created = new PartitionWindows();
            if (_partitions.TryAdd(partition, created))
            {
                Interlocked.Increment(ref _count);
                return created;
            }
        }
    }

    private static bool IsOpen(long start, long length, long now) => start != Closed && now - start < length;

    private static LimitState State(long limit, long start, long count, TimeSpan window, long now) =>
        IsOpen(start, window.Ticks, now)
            ? new LimitState(limit, count, window, TimeSpan.FromTicks(Math.Min(window.Ticks, start + window.Ticks - now)))
            : LimitWindows.Untouched(limit, window);

    /// <summary>One partition's two windows and its budgets' periods; every field is guarded by <see cref="Lock"/>.</summary>
    private sealed class PartitionWindows
    {
        /// <summary>The rules <see cref="BudgetStarts"/> and <see cref="BudgetCounts"/> follow, slot by slot.</summary>
        public LimitBudgets Budgets = LimitBudgets.None;
        public long[] BudgetStarts = [];
        public long[] BudgetCounts = [];

        /// <summary>
        /// The periods and counts of API keys' own rules (<see cref="LimitBudgets.TierPart"/>), by field:
        /// each key counts in its own slots, so keys of one user alternating keep every key's counts.
        /// Created by the first key with limits; dropped with the partition.
        /// </summary>
        public Dictionary<string, long[]>? KeySlots;

        public readonly Lock Lock = new();
        public bool Retired;
        public long RequestStart = Closed;
        public long RequestCount;
        public long TokenStart = Closed;
        public long TokenCount;

        /// <summary>When both windows will have ended; also read without the lock by the sweep.</summary>
        public long ExpiresAt;

        public LimitDecision Acquire(LimitPartition partition, TierLimits limits, LimitBudgets budgets, long estimatedTokens, long now)
        {
            var tierPart = budgets.TierPart ?? budgets;
            if (!ReferenceEquals(Budgets, tierPart))
            {
                Adopt(tierPart);
            }

            var rules = budgets.Rules;
            var budgetStates = rules.Length == 0 ? [] : new BudgetState[rules.Length];
            var budgetsExhausted = false;
            for (var i = 0; i < rules.Length; i++)
            {
                // A period that ended counts from zero (calendar periods are aligned, not opened by a call).
                var bounds = rules[i].Bounds(now);
                var slot = Slot(i, rules[i]);
                if (slot.Starts[slot.StartAt] != bounds.Start)
                {
                    slot.Starts[slot.StartAt] = bounds.Start;
                    slot.Counts[slot.CountAt] = 0;
                }

                budgetStates[i] = new BudgetState(rules[i], rules[i].State(bounds, slot.Counts[slot.CountAt], now));
                budgetsExhausted |= LimitWindows.Exhausted(budgetStates[i].State);
            }

            var requestWindow = LimitWindows.RequestWindow(limits);
            var tokenWindow = LimitWindows.TokenWindow;
            if (!IsOpen(RequestStart, requestWindow.Ticks, now))
            {
                RequestStart = Closed;
                RequestCount = 0;
            }

            if (!IsOpen(TokenStart, tokenWindow.Ticks, now))
            {
                TokenStart = Closed;
                TokenCount = 0;
            }

            // Admit while what was counted (reservations included) is below the limit; 0 is no limit.
            var requestsExhausted = limits.Requests > 0 && RequestCount >= limits.Requests;
            var tokensExhausted = limits.TokensPerMinute > 0 && TokenCount >= limits.TokensPerMinute;
            if (requestsExhausted || tokensExhausted || budgetsExhausted)
            {
                // Refused: nothing is counted against any limit or budget.
                var requests = State(limits.Requests, RequestStart, RequestCount, requestWindow, now);
                var tokens = State(limits.TokensPerMinute, TokenStart, TokenCount, tokenWindow, now);
                return LimitWindows.Refused(requestsExhausted, tokensExhausted, requests, tokens, budgetStates);
            }

            if (RequestStart == Closed)
            {
                RequestStart = now;
            }

            if (TokenStart == Closed)
            {
                TokenStart = now;
            }

            // Saturating: a count never passes LimitWindows.MaxCount, so it never wraps. The call
            // reserves what was added, so settling it takes back no more than it put in.
            var before = TokenCount;
            RequestCount = Math.Min(RequestCount + 1, LimitWindows.MaxCount);
            TokenCount = LimitWindows.Saturate(TokenCount + LimitWindows.Saturate(estimatedTokens));
            var expiresAt = Math.Max(RequestStart + requestWindow.Ticks, TokenStart + tokenWindow.Ticks);
            for (var i = 0; i < rules.Length; i++)
            {
                // Both saturating like the windows; a token budget takes the whole estimate, as a
                // budget that saturated stays so (settlements leave it).
                var bounds = rules[i].Bounds(now);
                var slot = Slot(i, rules[i]);
                ref var count = ref slot.Counts[slot.CountAt];
                count = rules[i].Counts == LimitKind.Requests
                    ? Math.Min(count + 1, LimitWindows.MaxCount)
                    : LimitWindows.Saturate(count + LimitWindows.Saturate(estimatedTokens));
                budgetStates[i] = new BudgetState(rules[i], rules[i].State(bounds, count, now));
                expiresAt = Math.Max(expiresAt, bounds.End);
            }

            // Never earlier than before: another key's own periods may still be counted here.
            Volatile.Write(ref ExpiresAt, KeySlots is null ? expiresAt : Math.Max(ExpiresAt, expiresAt));
            return new LimitDecision
            {
                Allowed = true,
                Requests = State(limits.Requests, RequestStart, RequestCount, requestWindow, now),
                Tokens = State(limits.TokensPerMinute, TokenStart, TokenCount, tokenWindow, now),
                Budgets = budgetStates,
                Reservation = budgets.HasTokenRules
                    ? new TokenReservation(partition, TokenCount - before, new DateTimeOffset(TokenStart, TimeSpan.Zero))
                    {
                        Budgets = budgets,
                        BudgetBoundary = budgets.TokenBoundary(now),
                        BudgetReserved = LimitWindows.Saturate(estimatedTokens),
                    }
                    : new TokenReservation(partition, TokenCount - before, new DateTimeOffset(TokenStart, TimeSpan.Zero)),
            };
        }

        /// <summary>Settles the token budgets a reservation was counted against, in the periods it was counted in (none that ended since).</summary>
        public void Settle(LimitBudgets budgets, TokenReservation reservation, long actualTokens)
        {
            if (!ReferenceEquals(Budgets, budgets.TierPart ?? budgets))
            {
                // The tier's budgets were reconfigured since: the counts follow the new rules.
                return;
            }

            var rules = budgets.Rules;
            for (var i = 0; i < rules.Length; i++)
            {
                if (rules[i].Counts != LimitKind.Tokens)
                {
                    continue;
                }

                var slot = Slot(i, rules[i]);
                if (slot.Starts[slot.StartAt] == rules[i].Bounds(reservation.BudgetBoundary - 1).Start)
                {
                    slot.Counts[slot.CountAt] = LimitWindows.Settled(slot.Counts[slot.CountAt], reservation.BudgetReserved, actualTokens);
                }
            }
        }

        /// <summary>What the budget of <paramref name="rule"/> counted in the period that started at <paramref name="start"/>; 0 for another period.</summary>
        public long BudgetCount(BudgetRule rule, long start)
        {
            var rules = Budgets.Rules;
            for (var i = 0; i < rules.Length; i++)
            {
                if (rules[i].Field == rule.Field)
                {
                    return BudgetStarts[i] == start ? BudgetCounts[i] : 0;
                }
            }

            return rule.KeyId is not null && KeySlots is not null && KeySlots.TryGetValue(rule.Field, out var slot) && slot[0] == start ? slot[1] : 0;
        }

        // Where rule i of a set counts: the tier's arrays for its own rules (the first ones), a key's
        // slot for a key's rule ({start, count}, made on its first call).
        private (long[] Starts, int StartAt, long[] Counts, int CountAt) Slot(int i, BudgetRule rule)
        {
            if (rule.KeyId is null)
            {
                return (BudgetStarts, i, BudgetCounts, i);
            }

            KeySlots ??= new Dictionary<string, long[]>(StringComparer.Ordinal);
            if (!KeySlots.TryGetValue(rule.Field, out var slot))
            {
                slot = [Closed, 0];
                KeySlots.Add(rule.Field, slot);
            }

            return (slot, 0, slot, 1);
        }

        // Takes on another set of rules (the tier's first budgets, or reconfigured ones), keeping the
        // count of every budget that stays, by its field.
        private void Adopt(LimitBudgets budgets)
        {
            var rules = budgets.Rules;
            var starts = new long[rules.Length];
            var counts = new long[rules.Length];
            for (var i = 0; i < rules.Length; i++)
            {
                starts[i] = Closed;
                var old = Budgets.Rules;
                for (var j = 0; j < old.Length; j++)
                {
                    if (old[j].Field == rules[i].Field)
                    {
                        starts[i] = BudgetStarts[j];
                        counts[i] = BudgetCounts[j];
                    }
                }
            }

            Budgets = budgets;
            BudgetStarts = starts;
            BudgetCounts = counts;
        }
    }
}
