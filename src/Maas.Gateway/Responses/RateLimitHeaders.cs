using System.Collections.Concurrent;
using System.Globalization;
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

    /// <summary>At most this many distinct policy texts are kept; tiers are few, so the bound only guards against misuse.</summary>
    private const int MaxCachedPolicies = 256;

    // The policy text and the limits' texts depend only on the tier's limits, so they are built once per tier, not per answer.
    private static readonly ConcurrentDictionary<PolicyKey, PolicyTexts> s_policies = new();

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
                WriteBudgets(headers, budgets, settled, actualTokens, null, null);
            }

            return;
        }

        var texts = Policy(new PolicyKey(Math.Max(0, requests.Limit), Seconds(requests.Window), Math.Max(0, tokens.Limit), Seconds(tokens.Window)));
        headers[PolicyHeader] = texts.Policy;
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

        headers[StateHeader] = requests.Limit > 0 && tokens.Limit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}, \"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}")
            : requests.Limit > 0
                ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}")
                : string.Create(CultureInfo.InvariantCulture, $"\"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}");
        if (budgets.Length > 0)
        {
            WriteBudgets(headers, budgets, settled, actualTokens, texts.Policy, headers[StateHeader]);
        }
    }

    // The budgets after the limits' items (if any) in both fields; a settled call's token budgets
    // show the real count, by the counters' arithmetic, as the token limit does.
    private static void WriteBudgets(IHeaderDictionary headers, BudgetState[] budgets, TokenReservation? settled, long actualTokens, string? policy, string? state)
    {
        var policyText = new StringBuilder(policy);
        var stateText = new StringBuilder(state);
        foreach (var (rule, budget) in budgets)
        {
            var used = rule.Counts == LimitKind.Tokens && settled?.Budgets is not null
                ? LimitWindows.Settled(budget.Used, settled.BudgetReserved, actualTokens)
                : budget.Used;
            var separator = policyText.Length == 0 ? "" : ", ";
            policyText.Append(CultureInfo.InvariantCulture, $"{separator}\"{rule.Name}\";q={rule.Limit};w={Seconds(budget.Window)}");
            if (rule.Counts == LimitKind.Tokens)
            {
                policyText.Append(";qu=\"llm-tokens\"");
            }

            stateText.Append(CultureInfo.InvariantCulture, $"{separator}\"{rule.Name}\";r={Math.Max(0, rule.Limit - used)};t={Seconds(budget.ResetsIn)}");
        }

        headers[PolicyHeader] = policyText.ToString();
        headers[StateHeader] = stateText.ToString();
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

    private readonly record struct PolicyKey(long RequestLimit, long RequestWindowSeconds, long TokenLimit, long TokenWindowSeconds);
}
