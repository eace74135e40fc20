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

    public static void Write(IHeaderDictionary headers, LimitDecision decision)
    {
        var requests = decision.Requests;
        var tokens = decision.Tokens;
        if (requests.Limit > 0 && tokens.Limit > 0)
        {
            headers[PolicyHeader] = string.Create(CultureInfo.InvariantCulture,
                $"\"requests\";q={requests.Limit};w={Seconds(requests.Window)}, \"tokens\";q={tokens.Limit};w={Seconds(tokens.Window)};qu=\"llm-tokens\"");
            headers[StateHeader] = string.Create(CultureInfo.InvariantCulture,
                $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}, \"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}");
        }
        else if (requests.Limit > 0)
        {
            headers[PolicyHeader] = string.Create(CultureInfo.InvariantCulture, $"\"requests\";q={requests.Limit};w={Seconds(requests.Window)}");
            headers[StateHeader] = string.Create(CultureInfo.InvariantCulture, $"\"requests\";r={requests.Remaining};t={Seconds(requests.ResetsIn)}");
        }
        else if (tokens.Limit > 0)
        {
            headers[PolicyHeader] = string.Create(CultureInfo.InvariantCulture, $"\"tokens\";q={tokens.Limit};w={Seconds(tokens.Window)};qu=\"llm-tokens\"");
            headers[StateHeader] = string.Create(CultureInfo.InvariantCulture, $"\"tokens\";r={tokens.Remaining};t={Seconds(tokens.ResetsIn)}");
        }
    }

    /// <summary>Whole seconds, rounded up: a client that waits this long finds the window reset.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);

    /// <summary>The <c>Retry-After</c> value: whole seconds, at least 1.</summary>
    public static string RetryAfter(TimeSpan span) => Math.Max(1, Seconds(span)).ToString(CultureInfo.InvariantCulture);
}
