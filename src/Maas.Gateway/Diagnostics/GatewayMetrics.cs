using System.Diagnostics;
using System.Diagnostics.Metrics;
using Maas.Gateway.Responses;

namespace Maas.Gateway.Diagnostics;

/// <summary>
/// The gateway's instruments on the <c>Maas</c> meter: calls by tier, model and outcome, and LLM
/// tokens by tier, model and kind. Tags never carry a user name or credential, and a model the
/// catalog does not know is tagged <c>unknown</c> so callers cannot grow the tag space.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string Allowed = "allowed";
    public const string Limited = "limited";
    public const string Denied = "denied";
    public const string UpstreamError = "upstream_error";
    public const string NoTier = "none";
    public const string UnknownModel = "unknown";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create("Maas");
        _requests = meter.CreateCounter<long>("maas.gateway.requests", "{request}", "Model calls through the gateway, by tier, model and outcome (allowed, limited, denied, upstream_error).");
        _tokens = meter.CreateCounter<long>("maas.gateway.llm_tokens", "{token}", "LLM tokens of answered calls, by tier, model and kind (prompt, completion).");
    }

    public void Request(string tier, string model, string outcome) =>
        _requests.Add(1, new TagList { { "tier", tier }, { "model", model }, { "outcome", outcome } });

    public void Tokens(string tier, string model, TokenUsage usage)
    {
        if (usage.PromptTokens > 0)
        {
            _tokens.Add(usage.PromptTokens, new TagList { { "tier", tier }, { "model", model }, { "kind", "prompt" } });
        }

        if (usage.CompletionTokens > 0)
        {
            _tokens.Add(usage.CompletionTokens, new TagList { { "tier", tier }, { "model", model }, { "kind", "completion" } });
        }
    }
}
