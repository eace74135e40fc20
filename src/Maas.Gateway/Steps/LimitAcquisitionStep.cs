using System.Runtime.CompilerServices;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Limits;
using Maas.Gateway.Responses;
using Maas.Gateway.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Log = Maas.Gateway.Forwarding.Log;

namespace Maas.Gateway.Steps;

/// <summary>
/// Both limits of the caller's partition acquired at once, reserving the call's token estimate: a
/// 429 naming the limit (with <c>Retry-After</c> and the <c>RateLimit</c> headers) when one is
/// reached, a 503 when the counters are unreachable and the failure mode is closed.
/// </summary>
internal sealed class LimitAcquisitionStep(
    ILimitCounter counter,
    IOptions<GatewayForwardingOptions> options,
    IOptions<GatewayLimitOptions> limitOptions,
    UsageLedgerRecorder ledger,
    ILogger<LimitAcquisitionStep> logger) : IGatewayStep
{
    private readonly int _defaultMaxTokens = options.Value.DefaultMaxTokens;
    private readonly GatewayLimitOptions _limits = limitOptions.Value;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        var tier = context.Tier;
        var model = context.ResolvedModel!;
        var body = context.Body;
        var request = context.Request;

        // Prompt size from the body (about 4 bytes a token) plus the completion's budget: at most
        // 2^18 + int.MaxValue (a 1 MiB body, a bounded max_tokens), so every counter stays exact.
        var estimate = body is null ? 0 : ((body.Length + 3) / 4) + (request.MaxTokens ?? Math.Min(_defaultMaxTokens, context.CompletionBound));
        var partition = LimitPartition.For(tier.Name, context.User.Name, model.Id, _limits);
        var validation = context.Validation;

        // A key's own limits count beside the tier's in the same acquire; a token or a key without takes the tier's path.
        var decision = validation?.KeyLimits is { } keyLimits
            ? await counter.AcquireWithKeyAsync(partition, tier.Limits, validation.Id, keyLimits, estimate, context.HttpContext.RequestAborted).ConfigureAwait(false)
            : await counter.AcquireAsync(partition, tier.Limits, estimate, context.HttpContext.RequestAborted).ConfigureAwait(false);
        if (context.Activity is { } activity)
        {
            activity.SetTag("maas.limit.outcome", decision.Allowed ? "allowed" : decision.RefusedBy switch
            {
                LimitKind.Tokens => "tokens",
                LimitKind.Requests => "requests",
                LimitKind.Budget => "budget",
                _ => "unavailable",
            });
            if (decision.CountersUnavailable)
            {
                activity.SetTag("maas.limit.counters_unavailable", true);
            }
        }

        if (decision.CountersUnavailable)
        {
            Log.CountersUnavailable(logger, tier.Name, decision.Allowed ? "allowed (fail open)" : "refused (fail closed)");
        }

        if (!decision.Allowed)
        {
            if (!decision.CountersUnavailable)
            {
                ledger.Record(context, Maas.Usage.UsageOutcome.Limited, null);
            }

            await RefuseAsync(context, decision).ConfigureAwait(false);
            return;
        }

        context.Decision = decision;
        await proceed(context).ConfigureAwait(false);
    }

    private static Task RefuseAsync(GatewayCallContext context, LimitDecision decision)
    {
        var http = context.HttpContext;
        var tier = context.Tier;
        var headers = http.Response.Headers;
        headers.RetryAfter = RateLimitHeaders.RetryAfter(decision.RetryAfter);
        if (decision.CountersUnavailable)
        {
            context.Count(GatewayMetrics.UpstreamError);
            return OpenAiErrorAnswer.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "The rate-limit counters are unavailable; retry shortly.", "server_error", "limits_unavailable");
        }

        context.Count(GatewayMetrics.Limited);
        RateLimitHeaders.Write(headers, decision);
        var seconds = RateLimitHeaders.RetryAfter(decision.RetryAfter);
        var (message, type) = decision.RefusingBudget is { } budget
            ? (BudgetMessage(decision, budget, seconds), budget.Counts == LimitKind.Tokens ? "tokens" : "requests")
            : decision.RefusedBy == LimitKind.Tokens
            ? ($"Token limit reached for tier '{tier.Name}': {decision.Tokens.Limit} LLM tokens per minute (used {decision.Tokens.Used}). Retry in {seconds} s.", "tokens")
            : ($"Request limit reached for tier '{tier.Name}': {decision.Requests.Limit} requests per {tier.Limits.Window}. Retry in {seconds} s.", "requests");
        return OpenAiErrorAnswer.WriteAsync(http, StatusCodes.Status429TooManyRequests, message, type, "rate_limit_exceeded");
    }

    // "Monthly token budget of tier 'free' reached: 1000000 LLM tokens per month (used 1000020). Retry in 86400 s."
    private static string BudgetMessage(LimitDecision decision, BudgetRule budget, string seconds)
    {
        var used = 0L;
        foreach (var state in decision.Budgets)
        {
            if (ReferenceEquals(state.Rule, budget))
            {
                used = state.State.Used;
            }
        }

        var unit = budget.Counts == LimitKind.Tokens ? "LLM tokens" : "requests";
        return $"{budget.Description} reached: {budget.Limit} {unit} per {budget.Period} (used {used}). Retry in {seconds} s.";
    }
}
