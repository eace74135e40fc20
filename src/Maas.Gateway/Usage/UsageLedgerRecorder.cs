using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Maas.Gateway.Responses;
using Maas.Gateway.Steps;
using Maas.Usage;
using Maas.Validation;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>
/// Counts each call that reached the limit counters into its row of the hour (user, credential,
/// tier, model, outcome) in memory, for <see cref="UsageLedgerWriter"/> to write in batches off the
/// hot path. A call costs a dictionary probe on a struct key (no allocation once its row exists) and
/// three interlocked adds on the row; no lock. Rows are bounded (<see cref="GatewayLedgerOptions.MaxPendingRows"/>):
/// a call that would need a row beyond it is counted on <c>maas.gateway.ledger.dropped</c> instead.
/// </summary>
internal sealed class UsageLedgerRecorder
{
    private readonly ConcurrentDictionary<LedgerKey, LedgerAggregate> _rows = new();
    private readonly TimeProvider _time;
    private readonly int _maxRows;
    private readonly Counter<long> _dropped;
    private readonly UsageExports _exports;
    private int _rowCount;

    public UsageLedgerRecorder(IOptions<GatewayLedgerOptions> options, TimeProvider time, IMeterFactory meterFactory, UsageExports exports)
    {
        _exports = exports;
        Enabled = options.Value.Enabled;
        _maxRows = options.Value.MaxPendingRows;
        _time = time;
        _dropped = meterFactory.Create("Maas").CreateCounter<long>(
            "maas.gateway.ledger.dropped", "{request}", "Calls the usage ledger did not record: more rows pending than the bound (reason=full), or a store still down when the gateway stopped (reason=shutdown).");
    }

    /// <summary>Whether calls are recorded (<see cref="GatewayLedgerOptions.Enabled"/>).</summary>
    public bool Enabled { get; }

    /// <summary>Rows held now (for tests and the bound).</summary>
    internal int RowCount => Volatile.Read(ref _rowCount);

    /// <summary>Records a settled call: allowed, or an upstream error when the gateway counted it so; with the usage the answer reported.</summary>
    public void Record(GatewayCallContext context, TokenUsage? usage) =>
        Record(context, context.Outcome == Diagnostics.GatewayMetrics.UpstreamError ? UsageOutcome.UpstreamError : UsageOutcome.Allowed, usage);

    /// <summary>Records a call with <paramref name="outcome"/> and the usage the answer reported (none for a refused call).</summary>
    public void Record(GatewayCallContext context, UsageOutcome outcome, TokenUsage? usage)
    {
        if (context.Validation is not { } validation || context.ResolvedModel is not { } model)
        {
            return;
        }

        if (_exports.Enabled)
        {
            _exports.Settled(context, validation, model.Id, outcome, usage);
        }

        if (!Enabled)
        {
            return;
        }

        var credential = validation.Kind == CredentialKind.ApiKey ? validation.Id! : UsageIncrement.TokenCredential;
        var key = new LedgerKey(HourTicks(), context.User.Name, credential, context.Tier.Name, model.Id, outcome);
        var prompt = usage?.PromptTokens ?? 0;
        var completion = usage?.CompletionTokens ?? 0;
        while (true)
        {
            if (!_rows.TryGetValue(key, out var row))
            {
                if (Volatile.Read(ref _rowCount) >= _maxRows)
                {
                    _dropped.Add(1, new KeyValuePair<string, object?>("reason", "full"));
                    return;
                }

                var added = new LedgerAggregate(validation.Labels);
                row = _rows.GetOrAdd(key, added);
                if (ReferenceEquals(row, added))
                {
                    Interlocked.Increment(ref _rowCount);
                }
            }

            if (row.TryAdd(prompt, completion))
            {
                return;
            }

            // Retired by the writer (its hour ended) while this call counted into it: a new row takes it.
        }
    }

    /// <summary>
    /// Takes every count added since the last take, as increments; rows of hours before the current
    /// one are retired and removed once no call adds to them, so memory follows the calls of the hour.
    /// </summary>
    public List<UsageIncrement> Take()
    {
        var currentHour = HourTicks();
        var increments = new List<UsageIncrement>();
        foreach (var (key, row) in _rows)
        {
            var retired = key.HourTicks < currentHour && row.TryRetire();
            var (requests, prompt, completion) = row.Take();
            if (retired && _rows.TryRemove(new KeyValuePair<LedgerKey, LedgerAggregate>(key, row)))
            {
                Interlocked.Decrement(ref _rowCount);
            }

            if (requests != 0 || prompt != 0 || completion != 0)
            {
                increments.Add(new UsageIncrement
                {
                    Hour = new DateTimeOffset(key.HourTicks, TimeSpan.Zero),
                    User = key.User,
                    Credential = key.Credential,
                    Tier = key.Tier,
                    Model = key.Model,
                    Outcome = key.Outcome,
                    Labels = row.Labels,
                    Requests = requests,
                    PromptTokens = prompt,
                    CompletionTokens = completion,
                });
            }
        }

        return increments;
    }

    /// <summary>Counts calls lost for <paramref name="reason"/> on <c>maas.gateway.ledger.dropped</c>.</summary>
    public void Dropped(long requests, string reason)
    {
        if (requests > 0)
        {
            _dropped.Add(requests, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    private long HourTicks()
    {
        var ticks = _time.GetUtcNow().UtcTicks;
        return ticks - (ticks % TimeSpan.TicksPerHour);
    }

    private readonly record struct LedgerKey(long HourTicks, string User, string Credential, string Tier, string Model, UsageOutcome Outcome);
}
