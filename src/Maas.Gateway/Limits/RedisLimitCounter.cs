using System.Collections.Concurrent;
using Maas.ApiKeys;
using Maas.Tiers;
using StackExchange.Redis;

namespace Maas.Gateway.Limits;

/// <summary>
/// Counts limits on Redis, so every gateway replica shares one budget: the same fixed windows as
/// <see cref="InMemoryLimitCounter"/> (<see cref="LimitWindows"/>), each acquire one round trip
/// running one server-side script (<see cref="RedisLimitScripts"/>), and settlements carried by it.
/// </summary>
/// <remarks>
/// <para>
/// A settlement costs no round trip of its own: it waits in <see cref="PendingSettlements"/> and
/// rides on the replica's next acquire of the same partition, which applies it before deciding, or
/// goes on its own when the partition stays quiet for <see cref="FlushInterval"/>, when
/// <see cref="ReadAsync"/> reads the partition, and at shutdown. Measured with
/// <c>LOAD_ONLY=data-plane benchmarks/load/run.sh</c>, the second round trip per call was the largest
/// cost of counting on Redis (benchmarks/README.md). What it gives up: another replica sees a
/// call's real token count up to <see cref="FlushInterval"/> later, and until then its reservation.
/// The request budget, counted by the acquire itself, stays exact across replicas.
/// </para>
/// <para>
/// A partition is one hash under <see cref="GatewayLimitOptions.KeyPrefix"/>, holding both of its
/// windows, so an acquire touches one key: it is atomic on a single server and lives in a single
/// slot of a cluster without hash tags. The key's <c>PEXPIRE</c> is set to the later window end
/// (plus one second of slack for clocks) whenever a window opens, so Redis drops idle partitions
/// by itself.
/// </para>
/// <para>
/// Outages: the connection is made with <c>abortConnect=false</c>, so a gateway starts while Redis is
/// down and reconnects by itself, and with <see cref="BacklogPolicy.FailFast"/>, so while it is
/// disconnected a call fails at once instead of queueing for the command timeout. A failed or
/// timed-out acquire follows <see cref="GatewayLimitOptions.FailureMode"/>; a failed settlement
/// leaves the estimate counted; a failed read throws <see cref="StoreUnavailableException"/> (503).
/// Each failure counts on <c>maas.gateway.limiter.errors</c>; the log says so at most every 30 s.
/// A pending settlement whose acquire or flush fails is not sent again (the call may have reached
/// Redis), so an outage leaves the reservation counted, as before.
/// </para>
/// </remarks>
internal sealed class RedisLimitCounter : ILimitCounter, IAsyncDisposable, IDisposable
{
    /// <summary>How much longer than its windows a partition's key lives, for clock differences between replicas and Redis.</summary>
    private const long ExpirySlackMilliseconds = 1000;

    private static readonly RedisValue[] s_fields = ["rs", "rt", "rc", "ts", "tt", "tc"];

    /// <summary>How many key scopes (tier and model) are remembered.</summary>
    private const int MaxScopes = 4096;

    /// <summary>How long a settlement waits for an acquire of its partition to carry it before it is sent on its own.</summary>
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private readonly Task<ConnectionMultiplexer> _connecting;
    private readonly string _keyPrefix;
    private readonly TimeProvider _timeProvider;
    private readonly LimitCounterFailures _failures;
    private readonly ConcurrentDictionary<(string Tier, string? Model), string> _scopes = new();
    private readonly PendingSettlements _pending = new();
    private readonly LimitBudgetCatalog _budgets;
    private readonly ITimer _flushTimer;
    private Task _lastFlush = Task.CompletedTask;

    public RedisLimitCounter(GatewayLimitOptions options, TimeProvider timeProvider, LimitCounterFailures failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Redis);
        _keyPrefix = options.KeyPrefix;
        _timeProvider = timeProvider;
        _failures = failures;
        _budgets = new LimitBudgetCatalog(GatewayLimitOptionsValidator.FindTimeZone(options.TimeZone) ?? TimeZoneInfo.Utc);
        _connecting = ConnectionMultiplexer.ConnectAsync(CreateConfiguration(options.Redis));
        _flushTimer = timeProvider.CreateTimer(static state => ((RedisLimitCounter)state!).FlushOnTimer(), this, FlushInterval, FlushInterval);
    }

    /// <summary>Gets the flush the timer started last, so tests on a fake clock can wait for it.</summary>
    internal Task LastFlush => Volatile.Read(ref _lastFlush);

    /// <summary>Returns the connection settings: the configured string, never aborting on a failed connect, failing fast while disconnected.</summary>
    internal static ConfigurationOptions CreateConfiguration(string configuration)
    {
        var parsed = ConfigurationOptions.Parse(configuration);
        parsed.AbortOnConnectFail = false;
        parsed.BacklogPolicy = BacklogPolicy.FailFast;
        parsed.ClientName ??= "maas-gateway";
        return parsed;
    }

    /// <inheritdoc />
    public ValueTask<LimitDecision> AcquireAsync(LimitPartition partition, TierLimits limits, long estimatedTokens, CancellationToken cancellationToken) =>
        AcquireWithKeyAsync(partition, limits, null, null, estimatedTokens, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// A key's own rules count in fields of the partition's hash (<c>k:&lt;key id&gt;:b:…</c>), so the
    /// script still touches one key, in one slot of a cluster, and stays atomic over the tier's and the key's.
    /// </remarks>
    public async ValueTask<LimitDecision> AcquireWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, long estimatedTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(estimatedTokens);
        var requestWindow = LimitWindows.RequestWindow(limits);
        var tokenWindow = LimitWindows.TokenWindow;
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var key = Key(partition);
        var estimate = LimitWindows.Saturate(estimatedTokens);
        var budgets = _budgets.ForKey(partition.Tier, limits, keyId, keyLimits);
        RedisResult[] result;
        try
        {
            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);

            // Taken only once the command is about to be sent; from here on it is sent with it or lost with it.
            _pending.TryTake(key, out var pending);
            var evaluated = await WithCancellation(
                database.ScriptEvaluateAsync(
                    RedisLimitScripts.Acquire,
                    new
                    {
                        key = (RedisKey)key,
                        pendingSeconds = pending.WindowStartTicks / TimeSpan.TicksPerSecond,
                        pendingTicks = pending.WindowStartTicks % TimeSpan.TicksPerSecond,
                        pendingDelta = pending.Delta,
                        pendingBudgets = pending.Budgets is { } pendingBudgets ? pendingBudgets.RedisTokenPeriods(pending.BudgetBoundary) : "",
                        pendingBudgetDelta = pending.Budgets is null ? 0 : pending.BudgetDelta,
                        budgets = budgets.Rules.Length == 0 ? "" : budgets.RedisRules(now),
                        nowSeconds = now / TimeSpan.TicksPerSecond,
                        nowTicks = now % TimeSpan.TicksPerSecond,
                        requestWindow = requestWindow.Ticks,
                        tokenWindow = tokenWindow.Ticks,
                        requestLimit = (long)limits.Requests,
                        tokenLimit = limits.TokensPerMinute,
                        estimate = estimate,
                        maxCount = LimitWindows.MaxCount,
                        expirySlack = ExpirySlackMilliseconds,
                    }),
                cancellationToken).ConfigureAwait(false);
            result = (RedisResult[])evaluated!;
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            return _failures.Acquire(limits, ex.GetType().Name);
        }

        _failures.Succeeded();
        var requests = State(limits.Requests, (long)result[1], result[2], requestWindow);
        var tokens = State(limits.TokensPerMinute, (long)result[3], result[4], tokenWindow);
        var rules = budgets.Rules;
        var budgetStates = rules.Length == 0 ? [] : new BudgetState[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            budgetStates[i] = new BudgetState(rules[i], rules[i].State(rules[i].Bounds(now), (long)result[8 + i], now));
        }

        if ((long)result[0] == 0)
        {
            var requestsExhausted = limits.Requests > 0 && requests.Used >= limits.Requests;
            var tokensExhausted = limits.TokensPerMinute > 0 && tokens.Used >= limits.TokensPerMinute;
            return LimitWindows.Refused(requestsExhausted, tokensExhausted, requests, tokens, budgetStates);
        }

        var tokenWindowStart = ((long)result[5] * TimeSpan.TicksPerSecond) + (long)result[6];
        return new LimitDecision
        {
            Allowed = true,
            Requests = requests,
            Tokens = tokens,
            Budgets = budgetStates,
            Reservation = budgets.HasTokenRules
                ? new TokenReservation(partition, (long)result[7], new DateTimeOffset(tokenWindowStart, TimeSpan.Zero))
                {
                    Budgets = budgets,
                    BudgetBoundary = budgets.TokenBoundary(now),
                    BudgetReserved = estimate,
                }
                : new TokenReservation(partition, (long)result[7], new DateTimeOffset(tokenWindowStart, TimeSpan.Zero)),
        };
    }

    /// <inheritdoc />
    /// <remarks>Sends nothing: the correction waits for the partition's next acquire or the flush (see the type's remarks).</remarks>
    public ValueTask SettleAsync(TokenReservation reservation, long actualTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);

        // Settled before, or the estimate was exact: nothing to correct. Both saturated first, so
        // a hostile upstream's usage cannot overflow the correction (it is within ±MaxCount).
        var delta = LimitWindows.Saturate(actualTokens) - LimitWindows.Saturate(reservation.Reserved);
        var budgetDelta = reservation.Budgets is null ? 0 : LimitWindows.Saturate(actualTokens) - reservation.BudgetReserved;
        if (reservation.TryMarkSettled() && (delta != 0 || budgetDelta != 0))
        {
            if (budgetDelta == 0)
            {
                _pending.Add(Key(reservation.Partition), reservation.WindowStart.UtcTicks, delta);
            }
            else
            {
                _pending.Add(Key(reservation.Partition), reservation.WindowStart.UtcTicks, delta, reservation.Budgets, reservation.BudgetBoundary, budgetDelta);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<LimitReading> ReadAsync(LimitPartition partition, TierLimits limits, CancellationToken cancellationToken) =>
        ReadWithKeyAsync(partition, limits, null, null, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<LimitReading> ReadWithKeyAsync(LimitPartition partition, TierLimits limits, string? keyId, ApiKeyLimits? keyLimits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var key = Key(partition);
        var rules = _budgets.ForKey(partition.Tier, limits, keyId, keyLimits).Rules;
        var names = s_fields;
        if (rules.Length > 0)
        {
            names = new RedisValue[s_fields.Length + (2 * rules.Length)];
            s_fields.CopyTo(names, 0);
            for (var i = 0; i < rules.Length; i++)
            {
                names[s_fields.Length + (2 * i)] = rules[i].Field;
                names[s_fields.Length + (2 * i) + 1] = rules[i].CountField;
            }
        }

        RedisValue[] fields;
        try
        {
            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);

            // This replica's own settlement of the partition goes first, on the same connection, so the read shows it.
            var settling = _pending.TryTake(key, out var pending) ? SendSettlementAsync(database, key, pending) : Task.CompletedTask;
            var reading = database.HashGetAsync(key, names);
            await settling.ConfigureAwait(false);
            fields = await WithCancellation(reading, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            _failures.Report(LimitOperation.Read, ex.GetType().Name);
            throw new StoreUnavailableException("The limit counters are unavailable.", ex);
        }

        _failures.Succeeded();
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var budgets = rules.Length == 0 ? [] : new BudgetState[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            // The count is the current period's only while the stored start is the current start.
            var bounds = rules[i].Bounds(now);
            var start = fields[s_fields.Length + (2 * i)];
            var used = !start.IsNull && (string?)start == bounds.Start.ToString(System.Globalization.CultureInfo.InvariantCulture)
                ? LimitWindows.Saturate((long)fields[s_fields.Length + (2 * i) + 1])
                : 0;
            budgets[i] = new BudgetState(rules[i], rules[i].State(bounds, used, now));
        }

        return new LimitReading(
            ReadState(limits.Requests, fields[0], fields[1], fields[2], LimitWindows.RequestWindow(limits), now),
            ReadState(limits.TokensPerMinute, fields[3], fields[4], fields[5], LimitWindows.TokenWindow, now),
            budgets);
    }

    /// <summary>Returns the Redis key of a partition: the prefix, the tier and model escaped so they hold no ':', then the user as it is.</summary>
    internal string Key(LimitPartition partition) => string.Concat(Scope(partition.Tier, partition.Model), partition.User);

    // "prefix + tier + ':' + model + ':'" is the same for every call of a tier (and model): escaped
    // once, not per call. Tiers and models are configuration, so the table stays small; past the
    // bound (a catalog churning through model ids) a scope is built per call as before.
    private string Scope(string tier, string? model)
    {
        var key = (tier, model);
        if (_scopes.TryGetValue(key, out var scope))
        {
            return scope;
        }

        scope = string.Concat(_keyPrefix, Uri.EscapeDataString(tier), ":", model is null ? "*" : Uri.EscapeDataString(model), ":");
        if (_scopes.Count < MaxScopes)
        {
            _scopes.TryAdd(key, scope);
        }

        return scope;
    }

    /// <summary>Sends every pending settlement, then closes the connection: a graceful stop loses no correction.</summary>
    public async ValueTask DisposeAsync()
    {
        await _flushTimer.DisposeAsync().ConfigureAwait(false);
        var connection = await _connecting.ConfigureAwait(false);
        await LastFlush.ConfigureAwait(false);
        await FlushAsync(connection.GetDatabase()).ConfigureAwait(false);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Queues every pending settlement without waiting, then closes the connection, which lets queued commands complete.</summary>
    public void Dispose()
    {
        _flushTimer.Dispose();
        if (_connecting.IsCompletedSuccessfully)
        {
            var database = _connecting.Result.GetDatabase();
            foreach (var (key, settlement) in _pending.TakeAll())
            {
                database.ScriptEvaluate(RedisLimitScripts.Settle, SettleArguments(key, settlement), CommandFlags.FireAndForget);
            }

            _connecting.Result.Dispose();
        }
        else
        {
            // Still connecting: close the connection as soon as it exists rather than block here.
            _connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private void FlushOnTimer()
    {
        if (_connecting.IsCompletedSuccessfully)
        {
            Volatile.Write(ref _lastFlush, FlushAsync(_connecting.Result.GetDatabase()));
        }
    }

    /// <summary>Sends every pending settlement on its own, all at once (pipelined on the connection). Never throws.</summary>
    private Task FlushAsync(IDatabaseAsync database)
    {
        var taken = _pending.TakeAll();
        if (taken.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sends = new Task[taken.Count];
        for (var i = 0; i < taken.Count; i++)
        {
            sends[i] = SendSettlementAsync(database, taken[i].Key, taken[i].Settlement);
        }

        return Task.WhenAll(sends);
    }

    /// <summary>Sends one settlement; an outage is reported and the settlement dropped (the reservation stays counted). Never throws.</summary>
    private async Task SendSettlementAsync(IDatabaseAsync database, string key, PendingSettlement settlement)
    {
        try
        {
            await database.ScriptEvaluateAsync(RedisLimitScripts.Settle, SettleArguments(key, settlement)).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            _failures.Report(LimitOperation.Settle, ex.GetType().Name);
            return;
        }
        catch (RedisServerException ex) when (IsScriptError(ex))
        {
            _failures.ScriptFailed(LimitOperation.Settle, ex.Message);
            return;
        }

        _failures.Succeeded();
    }

    private object SettleArguments(string key, PendingSettlement settlement)
    {
        var now = _timeProvider.GetUtcNow().UtcTicks;
        return new
        {
            key = (RedisKey)key,
            startSeconds = settlement.WindowStartTicks / TimeSpan.TicksPerSecond,
            startTicks = settlement.WindowStartTicks % TimeSpan.TicksPerSecond,
            nowSeconds = now / TimeSpan.TicksPerSecond,
            nowTicks = now % TimeSpan.TicksPerSecond,
            tokenWindow = LimitWindows.TokenWindow.Ticks,
            delta = settlement.Delta,
            maxCount = LimitWindows.MaxCount,
            budgets = settlement.Budgets is { } budgets ? budgets.RedisTokenPeriods(settlement.BudgetBoundary) : "",
            budgetDelta = settlement.Budgets is null ? 0 : settlement.BudgetDelta,
        };
    }

    private async ValueTask<IDatabaseAsync> DatabaseAsync(CancellationToken cancellationToken)
    {
        var connection = _connecting.IsCompletedSuccessfully
            ? _connecting.Result
            : await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        return connection.GetDatabase();
    }

    private static Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;

    // Connection failures, server errors (LOADING after a restart, OOM) and timeouts; not the caller's
    // cancellation, and not an error of the script itself (a bug, never a reason to count nothing).
    private static bool IsOutage(Exception exception) => exception is (RedisException or TimeoutException) && !IsScriptError(exception);

    /// <summary>
    /// Whether Redis refused the script for what it did (a runtime error such as an overflowing
    /// <c>HINCRBY</c>, a key of another type), rather than because it could not run it: such an
    /// error is not an outage, and is not answered as one (no fail-open call counted for nothing,
    /// no outage warning or metric a caller could raise at will). Redis 7 names <c>user_script</c>
    /// in these errors, Redis 6 says <c>Error running script</c>.
    /// </summary>
    internal static bool IsScriptError(Exception exception) =>
        exception is RedisServerException { Message: var message }
        && (message.Contains("user_script", StringComparison.Ordinal)
            || message.Contains("Error running script", StringComparison.Ordinal)
            || message.StartsWith("WRONGTYPE", StringComparison.Ordinal));

    private static LimitState State(long limit, long used, RedisResult elapsed, TimeSpan window) =>
        elapsed.IsNull
            ? new LimitState(limit, used, window, window)
            : new LimitState(limit, used, window, TimeSpan.FromTicks(Math.Clamp(window.Ticks - (long)elapsed, 0, window.Ticks)));

    private static LimitState ReadState(long limit, RedisValue seconds, RedisValue ticks, RedisValue count, TimeSpan window, long now)
    {
        if (seconds.IsNull)
        {
            return LimitWindows.Untouched(limit, window);
        }

        var elapsed = ((now / TimeSpan.TicksPerSecond) - (long)seconds) * TimeSpan.TicksPerSecond + ((now % TimeSpan.TicksPerSecond) - (long)ticks);
        return elapsed < window.Ticks
            ? new LimitState(limit, (long)count, window, TimeSpan.FromTicks(Math.Min(window.Ticks, window.Ticks - elapsed)))
            : LimitWindows.Untouched(limit, window);
    }
}
