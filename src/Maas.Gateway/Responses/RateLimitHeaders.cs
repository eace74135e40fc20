using System.Collections.Concurrent;
using System.Globalization;
using Maas.Gateway.Limits;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Responses;

/// <summary>
/// The IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> fields (draft-ietf-httpapi-ratelimit-headers-10:
/// a structured-field list of quota policies, <c>"name";q=quota;w=window</c>, and of their current
/// state, <c>"name";r=remaining;t=seconds-to-reset</c>), plus <c>Retry-After</c> on refusals. The
/// request policy is named <c>requests</c>; the LLM-token policy <c>tokens</c>, with the quota
/// unit <c>qu="llm-tokens"</c>. A limit of 0 (not enforced) is left out.
/// </summary>
internal static class RateLimitHeaders
{
    public const string PolicyHeader = "RateLimit-Policy";
    public const string StateHeader = "RateLimit";

    /// <summary>At most this many distinct policy texts are kept; tiers are few, so the bound only guards against misuse.</summary>
    private const int MaxCachedPolicies = 256;

    // The policy text depends only on the tier's limits, so it is built once per tier, not per answer.
    private static readonly ConcurrentDictionary<PolicyKey, string> s_policies = new();

    public static void Write(IHeaderDictionary headers, LimitDecision decision)
    {
        var requests = decision.Requests;
        var tokens = decision.Tokens;
        if (requests.Limit <= 0 && tokens.Limit <= 0)
        {
            return;
        }

        headers[PolicyHeader] = Policy(new PolicyKey(Math.Max(0, requests.Limit), Seconds(requests.Window), Math.Max(0, tokens.Limit), Seconds(tokens.Window)));
        headers[StateHeader] = requests.Limit > 0 && tokens.Limit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}, \"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}")
            : requests.Limit > 0
                ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}")
                : string.Create(CultureInfo.InvariantCulture, $"\"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}");
    }

    private static string Policy(PolicyKey key)
    {
        if (s_policies.TryGetValue(key, out var text))
        {
            return text;
        }

        text = key.RequestLimit > 0 && key.TokenLimit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";q={key.RequestLimit};w={key.RequestWindowSeconds}, \"tokens\";q={key.TokenLimit};w={key.TokenWindowSeconds};qu=\"llm-tokens\"")
            : key.RequestLimit > 0
                ? string.Create(CultureInfo.InvariantCulture, $"\"requests\";q={key.RequestLimit};w={key.RequestWindowSeconds}")
                : string.Create(CultureInfo.InvariantCulture, $"\"tokens\";q={key.TokenLimit};w={key.TokenWindowSeconds};qu=\"llm-tokens\"");
        if (s_policies.Count < MaxCachedPolicies)
        {
            s_policies.TryAdd(key, text);
        }

        return text;
    }

    /// <summary>Whole seconds, rounded up: a client that waits this long finds the window reset.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);

    /// <summary>The <c>Retry-After</c> value: whole seconds, at least 1.</summary>
    public static string RetryAfter(TimeSpan span) => Math.Max(1, Seconds(span)).ToString(CultureInfo.InvariantCulture);

    private readonly record struct PolicyKey(long RequestLimit, long RequestWindowSeconds, long TokenLimit, long TokenWindowSeconds);
}
