using System.Diagnostics;
using System.Runtime.CompilerServices;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Limits;
using Maas.Gateway.Requests;
using Maas.Gateway.Responses;
using Maas.Hosting.Requests;
using Maas.Models;
using Maas.Tiers;
using Maas.Users;
using Maas.Validation;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Steps;

/// <summary>
/// One model call on its way through the gateway's steps (<see cref="IGatewayStep"/>): what the
/// earlier steps found out, read-only, and the way to end the call with an OpenAI-shaped error.
/// One per call; the steps fill it in order.
/// </summary>
public sealed class GatewayCallContext : IUsageObserver
{
    private readonly GatewayMetrics _metrics;
    private MaasUser? _user;
    private Tier? _tier;
    private int _settled;

    internal GatewayCallContext(HttpContext httpContext, Activity? activity, GatewayMetrics metrics, GatewayModel? pathModel, string upstreamPath, bool hasBody)
    {
        HttpContext = httpContext;
        Activity = activity;
        _metrics = metrics;
        PathModel = pathModel;
        UpstreamPath = upstreamPath;
        HasBody = hasBody;
    }

    /// <summary>Gets the HTTP exchange of the call: its request (the body already read by the gateway) and its response.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>Gets the authenticated caller.</summary>
    /// <exception cref="InvalidOperationException">The call's credential was not checked yet.</exception>
    public MaasUser User => _user ?? throw new InvalidOperationException("The caller is known once the credential step ran.");

    /// <summary>Gets the caller's tier, whose limits the call counts against.</summary>
    /// <exception cref="InvalidOperationException">The call's credential was not checked yet.</exception>
    public Tier Tier => _tier ?? throw new InvalidOperationException("The caller's tier is known once the credential step ran.");

    /// <summary>Gets the model called, as the catalog describes it, allowed to the caller's tier.</summary>
    /// <exception cref="InvalidOperationException">The model was not resolved yet.</exception>
    public ModelDescriptor Model => ResolvedModel?.Descriptor ?? throw new InvalidOperationException("The model is known once the model step ran.");

    /// <summary>The call's span, when traced.</summary>
    internal Activity? Activity { get; }

    /// <summary>The model whose URL the call came in on; <see langword="null"/> on the root paths, where the body names it.</summary>
    internal GatewayModel? PathModel { get; }

    /// <summary>The path on the upstream, for example <c>/v1/chat/completions</c>.</summary>
    internal string UpstreamPath { get; }

    /// <summary>Whether the route takes a body (a POST call) to read and check.</summary>
    internal bool HasBody { get; }

    /// <summary>The credential's validation (its kind, the key's id and labels), once the credential step ran.</summary>
    internal CredentialValidation? Validation { get; private set; }

    /// <summary>The credential the caller presented, so that no copy of it reaches the upstream.</summary>
    internal string Credential { get; private set; } = "";

    /// <summary>The body, read whole; disposed by the runner when the call ends.</summary>
    internal RequestBody? Body { get; set; }

    /// <summary>What the body asks for (default without a body).</summary>
    internal ModelRequest Request { get; set; }

    /// <summary>The model called, once resolved.</summary>
    internal GatewayModel? ResolvedModel { get; set; }

    /// <summary>The largest <c>max_tokens</c> the call may ask for: the model's bound, else the gateway's.</summary>
    internal int CompletionBound { get; set; }

    /// <summary>The limits' answer, once acquired.</summary>
    internal LimitDecision? Decision { get; set; }

    /// <summary>Whether the gateway asked for the stream's usage chunk on the client's behalf and must drop it.</summary>
    internal bool DropUsageChunk => Request.Stream && !Request.IncludeUsage;

    /// <summary>The stream the answer passes through, told by the transformer whether the upstream answered a stream.</summary>
    internal UsageMeteringStream? Metering { get; set; }

    /// <summary>The status of the upstream's answer once its headers arrived; <see langword="null"/> while (or if) none did.</summary>
    internal int? UpstreamStatus { get; set; }

    /// <summary>The outcome a forwarded call is counted with on <c>maas.gateway.requests</c>.</summary>
    internal string Outcome { get; set; } = GatewayMetrics.Allowed;

    /// <summary>Whether the client left before the answer ended.</summary>
    internal bool ClientGone { get; set; }

    /// <summary>The settlement step that settles this call's reservation, once it took the call.</summary>
    internal SettlementStep? Settlement { get; set; }

    /// <summary>The tokens the call's reservation was settled with; <see langword="null"/> until (or unless) it was.</summary>
    internal long? SettledTokens { get; set; }

    /// <summary>The tier tag of the call's metrics: the tier, or <c>none</c> before the credential was checked.</summary>
    internal string TierTag => _tier?.Name ?? GatewayMetrics.NoTier;

    /// <summary>The model tag of the call's metrics: the model resolved, else the URL's, else <c>unknown</c>.</summary>
    internal string ModelTag => ResolvedModel?.Id ?? PathModel?.Id ?? GatewayMetrics.UnknownModel;

    /// <summary>
    /// Ends the call with an OpenAI-shaped error (<c>{"error":{"message","type","code","param"}}</c>),
    /// counted as <c>denied</c> on <c>maas.gateway.requests</c>. The step that calls it does not call <c>proceed</c>.
    /// </summary>
    /// <param name="statusCode">The answer's status, 400 to 599 (a refusal the caller may fix is a 4xx).</param>
    /// <param name="message">What the caller reads; never a secret.</param>
    /// <param name="type">OpenAI's error type, for example <c>permission_error</c> or <c>invalid_request_error</c>.</param>
    /// <param name="code">A stable code for the refusal, for example <c>model_not_allowed</c>.</param>
    /// <returns>A task that completes when the answer is written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="statusCode"/> is not an error status.</exception>
    public ValueTask RefuseAsync(int statusCode, string message, string type, string code)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, StatusCodes.Status400BadRequest);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        ArgumentException.ThrowIfNullOrEmpty(message);
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentException.ThrowIfNullOrEmpty(code);
        Count(GatewayMetrics.Denied);
        return new ValueTask(OpenAiErrorAnswer.WriteAsync(HttpContext, statusCode, message, type, code));
    }

    /// <summary>Records the caller the credential step authenticated.</summary>
    internal void Authenticated(string credential, CredentialValidation validation)
    {
        var user = validation.User!;
        var tier = validation.Tier!;
        Credential = credential;
        Validation = validation;
        _user = user;
        _tier = tier;
    }

    /// <summary>Counts the call's outcome on <c>maas.gateway.requests</c> and tags its span (when traced) the same way.</summary>
    internal void Count(string outcome)
    {
        var tier = TierTag;
        var model = ModelTag;
        _metrics.Request(tier, model, outcome);
        GatewayTracing.Outcome(Activity, tier, model, outcome);
    }

    /// <summary>Counts the call as denied and writes the gateway's OpenAI-shaped refusal.</summary>
    internal ValueTask DenyAsync(int statusCode, string message, string type, string code, string? param = null)
    {
        Count(GatewayMetrics.Denied);
        return new ValueTask(OpenAiErrorAnswer.WriteAsync(HttpContext, statusCode, message, type, code, param));
    }

    /// <summary>Counts the call as denied and writes a 400 <c>bad_request</c>.</summary>
    internal ValueTask DenyBadRequestAsync(string message, string? param = null)
    {
        Count(GatewayMetrics.Denied);
        return new ValueTask(OpenAiErrorAnswer.BadRequest(HttpContext, message, param));
    }

    /// <summary>Takes the call's one settlement: <see langword="true"/> the first time only.</summary>
    internal bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;

    /// <summary>The answer's final usage, from the metering stream: settles the call.</summary>
    ValueTask IUsageObserver.OnUsageAsync(TokenUsage usage) => Settlement!.SettleAsync(this, usage);

    /// <summary>A held answer ended: the call settled, then its usage and the limits left after it in the answer's headers.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    async ValueTask IUsageObserver.OnHeldAnswerEndedAsync(TokenUsage? usage)
    {
        var settlement = Settlement!;
        if (usage is { } shown)
        {
            await settlement.SettleAsync(this, shown).ConfigureAwait(false);
        }
        else
        {
            await settlement.SettleWithoutUsageAsync(this, stream: false, lastUsage: null, promptEstimate: 0, streamedCompletionTokens: 0).ConfigureAwait(false);
        }

        var response = HttpContext.Response;
        if (response.HasStarted)
        {
            return;
        }

        if (usage is { } counted)
        {
            UsageHeaders.Write(response.Headers, counted);
        }

        if (Decision is { } decision)
        {
            if (decision.Reservation is { } reservation && SettledTokens is { } actual)
            {
                RateLimitHeaders.WriteSettled(response.Headers, decision, reservation, actual);
            }
            else
            {
                RateLimitHeaders.Write(response.Headers, decision);
            }
        }
    }

    /// <summary>A held answer was let go before it ended: the limits' headers of its reservation, as a stream's.</summary>
    void IUsageObserver.OnHeldAnswerReleased()
    {
        if (Decision is { } decision && !HttpContext.Response.HasStarted)
        {
            RateLimitHeaders.Write(HttpContext.Response.Headers, decision);
        }
    }
}
