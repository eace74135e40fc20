using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Maas.Gateway.Limits;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Responses;

/// <summary>
/// The IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> fields (draft-ietf-httpapi-ratelimit-headers-10:
/// a structured-field list of quota policies, <c>"name";q=quota;w=window</c>, and of their current
/// state, <c>"name";r=remaining;t=seconds-to-reset</c>), plus <c>Retry-After</c> on refusals. The
/// request policy is named <c>requests</c>; the LLM-token policy <c>tokens</c>, with the quota
/// unit <c>qu="llm-tokens"</c>. Beside them, OpenAI's <c>x-ratelimit-{limit,remaining,reset}-{requests,tokens}</c>
/// (reset as OpenAI writes it: <c>1s</c>, <c>6m0s</c>, <c>1h0m0s</c>), which OpenAI clients and dashboards read.
/// A limit of 0 (not enforced) is left out. A tier's budgets follow the two limits in both IETF
/// fields, named for what they count and their period (<c>"tokens-month";q=1000000;w=2678400;qu="llm-tokens"</c>,
/// <c>"requests-day";r=12;t=3600</c>), <c>w</c> the current period's length and <c>t</c> the seconds
/// to its end; OpenAI's fields have no place for them and stay as they were.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string StateHeader = "RateLimit";
    public const string LimitRequestsHeader = "x-ratelimit-limit-requests";
    public const string RemainingRequestsHeader = "x-ratelimit-remaining-requests";
    public const string ResetRequestsHeader = "x-ratelimit-reset-requests";
    public const string LimitTokensHeader = "x-ratelimit-limit-tokens";
    public const string RemainingTokensHeader = "x-ratelimit-remaining-tokens";
    public const string ResetTokensHeader = "x-ratelimit-reset-tokens";

    /// <summary>The longest state item but for its name: <c>, "</c>, <c>";r=</c>, <c>;t=</c> and two numbers of up to 20 characters.</summary>
    private const int MaxItemLength = 50;

    /// <summary>At most this many distinct policy texts are kept; tiers are few, so the bound only guards against misuse.</summary>
    private const int MaxCachedPolicies = 256;

    // The policy text and the limits' texts depend only on the tier's limits, so they are built once per tier, not per answer.
    private static readonly ConcurrentDictionary<PolicyKey, PolicyTexts> s_policies = new();

    // The budgets' policy text, kept under the first rule of the list: rules live as long as the limits they were built from.
    private static readonly ConditionalWeakTable<BudgetRule, BudgetPolicyCache> s_budgetPolicies = [];

    // OpenAI's reset texts for 0 to 60 seconds, the span of the common one-minute token window.
    private static readonly string[] s_shortResets = [.. Enumerable.Range(0, 60).Select(s => s.ToString(CultureInfo.InvariantCulture) + "s"), "1m0s"];

    public static void Write(IHeaderDictionary headers, LimitDecision decision) => Write(headers, decision.Requests, decision.Tokens, decision.Budgets, null, 0);

    /// <summary>
    /// Writes the headers of a settled call: its decision's state with the token count the counters
    /// hold once <paramref name="actualTokens"/> replaced the call's reservation, by their arithmetic
    /// (<see cref="LimitWindows.Settled"/>). Other calls settled since the acquire are not seen: for a
    /// caller whose calls follow one another it is what <c>GET /v1/usage</c> answers right after.
    /// </summary>
    public static void WriteSettled(IHeaderDictionary headers, LimitDecision decision, TokenReservation reservation, long actualTokens)
    {
        var tokens = decision.Tokens;
        Write(headers, decision.Requests, tokens with { Used = LimitWindows.Settled(tokens.Used, reservation.Reserved, actualTokens) }, decision.Budgets, reservation, actualTokens);
    }

    private static void Write(IHeaderDictionary headers, LimitState requests, LimitState tokens, BudgetState[] budgets, TokenReservation? settled, long actualTokens)
    {
        if (requests.Limit <= 0 && tokens.Limit <= 0)
        {
            if (budgets.Length > 0)
            {
                headers[PolicyHeader] = BudgetPolicy(null, budgets);
                headers[StateHeader] = BudgetStates(requests, tokens, budgets, settled, actualTokens);
            }

            return;
        }

        var texts = Policy(new PolicyKey(Math.Max(0, requests.Limit), Seconds(requests.Window), Math.Max(0, tokens.Limit), Seconds(tokens.Window)));
        headers[PolicyHeader] = budgets.Length == 0 ? texts.Policy : BudgetPolicy(texts.Policy, budgets);
        if (requests.Limit > 0)
        {
            headers[LimitRequestsHeader] = texts.RequestLimit;
            headers[RemainingRequestsHeader] = requests.Remaining.ToString(CultureInfo.InvariantCulture);
            headers[ResetRequestsHeader] = Reset(requests.ResetsIn);
        }

        if (tokens.Limit > 0)
        {
            headers[LimitTokensHeader] = texts.TokenLimit;
            headers[RemainingTokensHeader] = tokens.Remaining.ToString(CultureInfo.InvariantCulture);
            headers[ResetTokensHeader] = Reset(tokens.ResetsIn);
        }

        headers[StateHeader] = budgets.Length > 0
            ? BudgetStates(requests, tokens, budgets, settled, actualTokens)
            : requests.Limit > 0 && tokens.Limit > 0
                ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}, \"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}")
                : requests.Limit > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}")
                    : string.Create(CultureInfo.InvariantCulture, $"\"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}");
    }

    /// <summary>
    /// Returns the policy field with the budgets after the limits' items (<paramref name="limitsPolicy"/>, if any).
    /// It changes only with a period's length (a month's days, a day's DST hour), so the last text
    /// built for the rules is kept, under their first rule, and reused while nothing in it changed.
    /// </summary>
    private static string BudgetPolicy(string? limitsPolicy, BudgetState[] budgets)
    {
        var kept = s_budgetPolicies.GetValue(budgets[0].Rule, static _ => new BudgetPolicyCache());
        var cached = Volatile.Read(ref kept.Text);
        if (cached is not null && cached.Matches(limitsPolicy, budgets))
        {
            return cached.Text;
        }

        var text = new StringBuilder(limitsPolicy);
        var rules = new BudgetRule[budgets.Length];
        var windows = new long[budgets.Length];
        for (var i = 0; i < budgets.Length; i++)
        {
            var (rule, budget) = budgets[i];
            rules[i] = rule;
            windows[i] = Seconds(budget.Window);
            text.Append(CultureInfo.InvariantCulture, $"{(text.Length == 0 ? "" : ", ")}\"{rule.Name}\";q={rule.Limit};w={windows[i]}");
            if (rule.Counts == LimitKind.Tokens)
            {
                text.Append(";qu=\"llm-tokens\"");
            }
        }

        cached = new BudgetPolicyText(limitsPolicy, rules, windows, text.ToString());
        Volatile.Write(ref kept.Text, cached);
        return cached.Text;
    }

    /// <summary>
    /// Returns the state field: the limits' items (if any), then the budgets', written into one stack
    /// buffer (a pooled one past 512 characters) and allocated once. A settled call's token budgets
    /// show the real count, by the counters' arithmetic, as the token limit does.
    /// </summary>
    private static string BudgetStates(LimitState requests, LimitState tokens, BudgetState[] budgets, TokenReservation? settled, long actualTokens)
    {
        // At most: each limit's item with its separator and two numbers of up to 20 characters; each budget's likewise with its name.
        var length = 2 * (MaxItemLength + "\"requests\"".Length);
        foreach (var budget in budgets)
        {
            length += MaxItemLength + budget.Rule.Name.Length + 2;
        }

        char[]? rented = null;
        Span<char> buffer = length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var at = 0;
            int written;
            if (requests.Limit > 0)
            {
                buffer.TryWrite(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}", out written);
                at += written;
            }

            if (tokens.Limit > 0)
            {
                buffer[at..].TryWrite(CultureInfo.InvariantCulture, $"{(at == 0 ? "" : ", ")}\"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}", out written);
                at += written;
            }

            foreach (var (rule, budget) in budgets)
            {
                var used = rule.Counts == LimitKind.Tokens && settled?.Budgets is not null
                    ? LimitWindows.Settled(budget.Used, settled.BudgetReserved, actualTokens)
                    : budget.Used;
                buffer[at..].TryWrite(CultureInfo.InvariantCulture, $"{(at == 0 ? "" : ", ")}\"{rule.Name}\";r={Math.Max(0, rule.Limit - used)};t={Seconds(budget.ResetsIn)}", out written);
                at += written;
            }

            return new string(buffer[..at]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static PolicyTexts Policy(PolicyKey key)
    {
        if (s_policies.TryGetValue(key, out var texts))
        {
            return texts;
        }

        var text = key.RequestLimit > 0 && key.TokenLimit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";q={key.RequestLimit};w={key.RequestWindowSeconds}, \"tokens\";q={key.TokenLimit};w={key.TokenWindowSeconds};qu=\"llm-tokens\"")
            : key.RequestLimit > 0
                ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";q={key.RequestLimit};w={key.RequestWindowSeconds}")
                : string.Create(CultureInfo.InvariantCulture, $"\"tokens\";q={key.TokenLimit};w={key.TokenWindowSeconds};qu=\"llm-tokens\"");
        texts = new PolicyTexts(text, key.RequestLimit.ToString(CultureInfo.InvariantCulture), key.TokenLimit.ToString(CultureInfo.InvariantCulture));
        if (s_policies.Count < MaxCachedPolicies)
        {
            s_policies.TryAdd(key, texts);
        }

        return texts;
    }

    /// <summary>
    /// OpenAI's reset time, Go's duration format on whole seconds rounded up: <c>0s</c>, <c>59s</c>, <c>6m0s</c>,
    /// <c>2h0m5s</c>. A window of a minute or less (the common token window) is one of 61 precomputed texts.
    /// </summary>
    public static string Reset(TimeSpan span)
    {
        var seconds = Seconds(span);
        if (seconds < s_shortResets.Length)
        {
            return s_shortResets[seconds];
        }

        var (minutes, second) = Math.DivRem(seconds, 60);
        if (minutes < 60)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{minutes}m{second}s");
        }

        var (hours, minute) = Math.DivRem(minutes, 60);
        return string.Create(CultureInfo.InvariantCulture, $"{hours}h{minute}m{second}s");
    }


    /// <summary>Whole seconds, rounded up: a client that waits this long finds the window reset.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);

    /// <summary>The <c>Retry-After</c> value: whole seconds, at least 1.</summary>
    public static string RetryAfter(TimeSpan span) => Math.Max(1, Seconds(span)).ToString(CultureInfo.InvariantCulture);

    private sealed record PolicyTexts(string Policy, string RequestLimit, string TokenLimit);

    /// <summary>The last budget policy text built for a list of rules (kept under the first), with what it was built from.</summary>
    private sealed class BudgetPolicyCache
    {
        public BudgetPolicyText? Text;
    }

    private sealed class BudgetPolicyText(string? limitsPolicy, BudgetRule[] rules, long[] windows, string text)
    {
        public string Text => text;

        /// <summary>Whether the text is still the policy of these limits and budgets: the same limits' text, rules and period lengths.</summary>
        public bool Matches(string? policy, BudgetState[] budgets)
        {
            if (!string.Equals(policy, limitsPolicy, StringComparison.Ordinal) || budgets.Length != rules.Length)
            {
                return false;
            }

            for (var i = 0; i < budgets.Length; i++)
            {
                if (!ReferenceEquals(budgets[i].Rule, rules[i]) || Seconds(budgets[i].State.Window) != windows[i])
                {
                    return false;
                }
            }

            return true;
        }
    }

    private readonly record struct PolicyKey(long RequestLimit, long RequestWindowSeconds, long TokenLimit, long TokenWindowSeconds);
}
