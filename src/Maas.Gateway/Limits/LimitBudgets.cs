using System.Runtime.CompilerServices;
using Maas.Tiers;

namespace Maas.Gateway.Limits;

/// <summary>
/// The budget rules of one tier's limits, in the order the counters keep them; built once per
/// <see cref="TierLimits"/> instance and reused by every call of the tier (<see cref="LimitBudgetCatalog.For"/>).
/// </summary>
/// <remarks>
/// The rules are a list, so more are counted in the same atomic acquire: an API key's own limits
/// and budgets (<see cref="Maas.ApiKeys.ApiKeyLimits"/>) follow the tier's rules in a combined set
/// (<see cref="TierPart"/> is then the tier's own set), each rule naming its own fields, counted per key.
/// </remarks>
internal sealed class LimitBudgets
{
    /// <summary>No budgets: what a tier without any gets, at no cost.</summary>
    public static readonly LimitBudgets None = new([]);

    private CachedText? _redisRules;
    private CachedText? _redisTokenPeriods;

    public LimitBudgets(BudgetRule[] rules, LimitBudgets? tierPart = null)
    {
        Rules = rules;
        TierPart = tierPart;
        foreach (var rule in rules)
        {
            HasTokenRules |= rule.Counts == LimitKind.Tokens;
        }
    }

    /// <summary>Gets the rules; empty when the tier sets no budget.</summary>
    public BudgetRule[] Rules { get; }

    /// <summary>
    /// Gets the tier's own rules when this set combines them with an API key's (they are the first
    /// <c>TierPart.Rules.Length</c> of <see cref="Rules"/>, the key's follow); <see langword="null"/> for a tier's own set.
    /// </summary>
    public LimitBudgets? TierPart { get; }

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

    /// <summary>
    /// Builds the combined set of <paramref name="tier"/>'s rules followed by the API key
    /// <paramref name="keyId"/>'s own: its request limit per the tier's window and its token limit
    /// per minute as periods of those lengths (aligned to the epoch, like a Go-duration budget,
    /// rather than opened by a call), then one rule per budget amount above 0.
    /// </summary>
    public static LimitBudgets Combine(LimitBudgets tier, string tierName, TierLimits limits, string keyId, Maas.ApiKeys.ApiKeyLimits keyLimits, TimeZoneInfo timeZone)
    {
        var rules = new List<BudgetRule>(tier.Rules);
        if (keyLimits.Requests > 0 && BudgetPeriod.TryParse(limits.Window.ToString(), out var window, out _))
        {
            rules.Add(new BudgetRule(LimitKind.Requests, window, keyLimits.Requests, tierName, timeZone, keyId, window: true));
        }

        if (keyLimits.TokensPerMinute > 0)
        {
            rules.Add(new BudgetRule(LimitKind.Tokens, BudgetPeriod.FromLength(Maas.Durations.GoDuration.FromMinutes(1)), keyLimits.TokensPerMinute, tierName, timeZone, keyId, window: true));
        }

        foreach (var budget in keyLimits.Budgets)
        {
            // Checked when the key was created or changed; one that slips through counts nothing.
            if (budget is null || !BudgetPeriod.TryParse(budget.Period, out var period, out _))
            {
                continue;
            }

            if (budget.Requests > 0)
            {
                rules.Add(new BudgetRule(LimitKind.Requests, period, budget.Requests, tierName, timeZone, keyId, window: false));
            }

            if (budget.Tokens > 0)
            {
                rules.Add(new BudgetRule(LimitKind.Tokens, period, budget.Tokens, tierName, timeZone, keyId, window: false));
            }
        }

        return new LimitBudgets([.. rules], tier);
    }
}

/// <summary>A text valid from <see cref="From"/> (inclusive) to <see cref="Until"/> (exclusive), UTC ticks.</summary>
internal sealed record CachedText(long From, long Until, string Text);

/// <summary>The budget rules of each tier's limits, in one time zone: built on a tier's first call, then looked up.</summary>
internal sealed class LimitBudgetCatalog(TimeZoneInfo timeZone)
{
    private readonly ConditionalWeakTable<TierLimits, LimitBudgets> _built = [];
    private readonly ConditionalWeakTable<Maas.ApiKeys.ApiKeyLimits, KeyedBudgets> _keyed = [];

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

    /// <summary>
    /// Returns the rules of <paramref name="limits"/> followed by those of the API key
    /// <paramref name="keyId"/>'s own <paramref name="keyLimits"/>; the tier's alone, at no extra
    /// cost, for a token or a key without limits (<paramref name="keyLimits"/> <see langword="null"/>).
    /// The combined set is built once per key (per the key's limits as the credential cache holds
    /// them, and per the tier's set), then looked up.
    /// </summary>
    public LimitBudgets ForKey(string tierName, TierLimits limits, string? keyId, Maas.ApiKeys.ApiKeyLimits? keyLimits)
    {
        var tier = For(tierName, limits);
        if (keyLimits is null || keyId is null)
        {
            return tier;
        }

        if (_keyed.TryGetValue(keyLimits, out var keyed) && ReferenceEquals(keyed.TierPart, tier) && keyed.Window == limits.Window
            && string.Equals(keyed.KeyId, keyId, StringComparison.Ordinal))
        {
            return keyed.Budgets;
        }

        var combined = LimitBudgets.Combine(tier, tierName, limits, keyId, keyLimits, timeZone);
        _keyed.AddOrUpdate(keyLimits, new KeyedBudgets(tier, limits.Window, keyId, combined));
        return combined;
    }

    /// <summary>A key's combined set and what it was built from.</summary>
    private sealed record KeyedBudgets(LimitBudgets TierPart, Maas.Durations.GoDuration Window, string KeyId, LimitBudgets Budgets);
}
