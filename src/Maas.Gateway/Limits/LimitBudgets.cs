using System.Runtime.CompilerServices;
using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// The budget rules of one tier's limits, in the order the counters keep them; built once per
/// <see cref="TierLimits"/> instance and reused by every call of the tier (<see cref="LimitBudgetCatalog.For"/>).
/// </summary>
/// <remarks>
/// The rules are a list, so more can be counted in the same atomic acquire (a key's own budgets
/// next): each rule names its own fields, and the counters loop over them.
/// </remarks>
internal sealed class LimitBudgets
{
    /// <summary>No budgets: what a tier without any gets, at no cost.</summary>
    public static readonly LimitBudgets None = new([]);

    private CachedText? _redisRules;
    private CachedText? _redisTokenPeriods;

    public LimitBudgets(BudgetRule[] rules)
    {
        Rules = rules;
        foreach (var rule in rules)
        {
            HasTokenRules |= rule.Counts == LimitKind.Tokens;
        }
    }

    /// <summary>Gets the rules; empty when the tier sets no budget.</summary>
    public BudgetRule[] Rules { get; }

    /// <summary>Gets whether a rule counts LLM tokens, so a reservation must settle it.</summary>
    public bool HasTokenRules { get; }

    /// <summary>
    /// Returns the earliest end of the current periods of the token rules at <paramref name="nowTicks"/>:
    /// two calls with the same boundary counted in the same period of every token rule, and the
    /// period each counted in is the one holding the tick before the boundary. 0 without token rules.
    /// </summary>
    public long TokenBoundary(long nowTicks)
    {
        var boundary = long.MaxValue;
        foreach (var rule in Rules)
        {
            if (rule.Counts == LimitKind.Tokens)
            {
                boundary = Math.Min(boundary, rule.Bounds(nowTicks).End);
            }
        }

        return boundary == long.MaxValue ? 0 : boundary;
    }

    /// <summary>
    /// Returns the rules as the Redis acquire script reads them (<see cref="RedisLimitScripts"/>):
    /// five words per rule, <c>field r|t limit start end</c>, the start in UTC ticks and the end in
    /// whole seconds (of .NET ticks, as the scripts' <c>nowSeconds</c>) rounded up, for the key's expiry; "" for none. Built once per period, not per call.
    /// </summary>
    public string RedisRules(long nowTicks)
    {
        var cached = Volatile.Read(ref _redisRules);
        if (cached is not null && nowTicks >= cached.From && nowTicks < cached.Until)
        {
            return cached.Text;
        }

        var from = long.MinValue;
        var until = long.MaxValue;
        var text = new System.Text.StringBuilder();
        foreach (var rule in Rules)
        {
            var bounds = rule.Bounds(nowTicks);
            from = Math.Max(from, bounds.Start);
            until = Math.Min(until, bounds.End);
            var endSeconds = (bounds.End + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{rule.Field} {(rule.Counts == LimitKind.Tokens ? 't' : 'r')} {rule.Limit} {bounds.Start} {endSeconds} ");
        }

        cached = new CachedText(from, until, text.ToString());
        Volatile.Write(ref _redisRules, cached);
        return cached.Text;
    }

    /// <summary>
    /// Returns the token rules' periods before <paramref name="boundary"/> as the Redis scripts read
    /// a pending settlement: <c>field start</c> pairs; "" for none. The last one built is kept.
    /// </summary>
    public string RedisTokenPeriods(long boundary)
    {
        var cached = Volatile.Read(ref _redisTokenPeriods);
        if (cached is not null && cached.Until == boundary)
        {
            return cached.Text;
        }

        var text = new System.Text.StringBuilder();
        foreach (var rule in Rules)
        {
            if (rule.Counts == LimitKind.Tokens)
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{rule.Field} {rule.Bounds(boundary - 1).Start} ");
            }
        }

        cached = new CachedText(0, boundary, text.ToString());
        Volatile.Write(ref _redisTokenPeriods, cached);
        return cached.Text;
    }

    /// <summary>Builds the rules of <paramref name="limits"/> in <paramref name="timeZone"/>: one per budget amount above 0.</summary>
    public static LimitBudgets Create(string tierName, TierLimits limits, TimeZoneInfo timeZone)
    {
        var rules = new List<BudgetRule>();
        foreach (var budget in limits.Budgets)
        {
            // Options validation refuses a bad period at start; one that slips through counts nothing.
            if (budget is null || !BudgetPeriod.TryParse(budget.Period, out var period, out _))
            {
                continue;
            }

            if (budget.Requests > 0)
            {
                rules.Add(new BudgetRule(LimitKind.Requests, period, budget.Requests, tierName, timeZone));
            }

            if (budget.Tokens > 0)
            {
                rules.Add(new BudgetRule(LimitKind.Tokens, period, budget.Tokens, tierName, timeZone));
            }
        }

        return rules.Count == 0 ? None : new LimitBudgets([.. rules]);
    }
}

/// <summary>A text valid from <see cref="From"/> (inclusive) to <see cref="Until"/> (exclusive), UTC ticks.</summary>
internal sealed record CachedText(long From, long Until, string Text);

/// <summary>The budget rules of each tier's limits, in one time zone: built on a tier's first call, then looked up.</summary>
internal sealed class LimitBudgetCatalog(TimeZoneInfo timeZone)
{
    private readonly ConditionalWeakTable<TierLimits, LimitBudgets> _built = [];

    /// <summary>Gets the time zone calendar budgets follow.</summary>
    public TimeZoneInfo TimeZone => timeZone;

    /// <summary>Returns the rules of <paramref name="limits"/> (of the tier <paramref name="tierName"/>); <see cref="LimitBudgets.None"/>, without a lookup, when it sets no budget.</summary>
    public LimitBudgets For(string tierName, TierLimits limits)
    {
        if (limits.Budgets.Count == 0)
        {
            return LimitBudgets.None;
        }

        if (_built.TryGetValue(limits, out var budgets))
        {
            return budgets;
        }

        budgets = LimitBudgets.Create(tierName, limits, timeZone);
        _built.AddOrUpdate(limits, budgets);
        return budgets;
    }
}
