using System.Diagnostics;
using System.Security.Claims;
using Maas.ApiKeys;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Limits;
using Maas.Gateway.Requests;
using Maas.Gateway.Responses;
using Maas.Hosting.Authentication;
using Maas.Hosting.Requests;
using Maas.Logging;
using Maas.Models;
using Maas.Tiers;
using Maas.Users;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// One model call, start to end: the bearer credential validated in process, the body read and
/// checked, the model found and allowed to the caller's tier, both limits acquired with a token
/// estimate, the call forwarded by YARP without the credential, and the reservation settled once
/// with the answer's usage, whatever happened to the call.
/// </summary>
/// <remarks>
/// YARP's direct forwarding (<see cref="IHttpForwarder"/>) rather than config-provider routes: the
/// upstream depends on the body's <c>model</c>, known only after the body is read, and the checks
/// before forwarding (credential, tier, limits) decide per call whether YARP runs at all. A route
/// table would need a cluster per model and a custom transform to pick it; here the endpoint picks
/// the destination and hands YARP the one call.
/// </remarks>
internal sealed class GatewayPipeline(
    MaasService service,
    IModelCatalog catalog,
    GatewayModels models,
    ILimitCounter counter,
    IHttpForwarder forwarder,
    UpstreamClient upstream,
    UpstreamTransformer transformer,
    IOptions<GatewayForwardingOptions> options,
    IOptions<GatewayLimitOptions> limitOptions,
    GatewayMetrics metrics,
    IServer server,
    ILogger<GatewayPipeline> logger)
{
    private const string BearerPrefix = "Bearer ";
    private readonly int _defaultMaxTokens = options.Value.DefaultMaxTokens;
    private readonly int _maxTokens = options.Value.MaxTokens;
    private readonly GatewayLimitOptions _limits = limitOptions.Value;

    public async Task ForwardAsync(HttpContext context, GatewayModel? pathModel, string upstreamPath, bool hasBody)
    {
        using var activity = GatewayTracing.StartForward();
        RequestIdHeader.Write(context);
        try
        {
            await CallAsync(context, activity, pathModel, upstreamPath, hasBody).ConfigureAwait(false);
        }
        finally
        {
            activity?.SetTag("http.response.status_code", context.Response.StatusCode);
        }
    }

    private async Task CallAsync(HttpContext context, Activity? activity, GatewayModel? pathModel, string upstreamPath, bool hasBody)
    {
        var modelTag = pathModel?.Id ?? GatewayMetrics.UnknownModel;
        var (credential, validation) = await AuthenticateAsync(context).ConfigureAwait(false);
        if (validation is null)
        {
            Count(activity, GatewayMetrics.NoTier, modelTag, GatewayMetrics.Denied);
            return;
        }

        var tier = validation.Tier!;
        RequestBody? body = null;
        try
        {
            var request = default(ModelRequest);
            if (hasBody)
            {
                try
                {
                    body = await RequestBody.ReadAsync(context).ConfigureAwait(false);
                }
                catch (BadHttpRequestException ex)
                {
                    Count(activity, tier.Name, modelTag, GatewayMetrics.Denied);
                    await OpenAiErrorAnswer.WriteAsync(context, ex.StatusCode, RequestBody.UnreadableMessage, "invalid_request_error", "bad_request").ConfigureAwait(false);
                    return;
                }

                if (body is null)
                {
                    Count(activity, tier.Name, modelTag, GatewayMetrics.Denied);
                    await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, RequestBody.TooLargeMessage, "invalid_request_error", "request_too_large").ConfigureAwait(false);
                    return;
                }

                if (ModelRequest.Read(body.Span, out var error, out var param) is not { } parsed)
                {
                    Count(activity, tier.Name, modelTag, GatewayMetrics.Denied);
                    await OpenAiErrorAnswer.BadRequest(context, error!, param).ConfigureAwait(false);
                    return;
                }

                request = parsed;
            }

            var model = await ResolveModelAsync(context, pathModel, request, tier).ConfigureAwait(false);
            if (model is null)
            {
                Count(activity, tier.Name, pathModel?.Id ?? GatewayMetrics.UnknownModel, GatewayMetrics.Denied);
                return;
            }

            if (body is not null && CredentialInBody.Check(body.Span, credential) is { } found)
            {
                Count(activity, tier.Name, model.Id, GatewayMetrics.Denied);
                await OpenAiErrorAnswer.BadRequest(context, found).ConfigureAwait(false);
                return;
            }

            // Bounded before anything is reserved: no caller can make its reservation overflow a counter.
            var bound = MaxTokens(model);
            if (request.MaxTokens > bound)
            {
                Count(activity, tier.Name, model.Id, GatewayMetrics.Denied);
                await OpenAiErrorAnswer.WriteAsync(
                    context,
                    StatusCodes.Status400BadRequest,
                    $"'{request.MaxTokensParam}' is too large: {request.MaxTokens}. The model '{model.Id}' supports at most {bound} completion tokens.",
                    "invalid_request_error",
                    "invalid_value",
                    request.MaxTokensParam).ConfigureAwait(false);
                return;
            }

            await LimitAndForwardAsync(context, activity, validation.User!, tier, credential, model, upstreamPath, body, request).ConfigureAwait(false);
        }
        finally
        {
            body?.Dispose();
        }
    }

    /// <summary>Validates the bearer credential; on failure the answer (401 or 503) is written and the validation is <see langword="null"/>.</summary>
    internal async ValueTask<(string Credential, Validation.CredentialValidation? Validation)> AuthenticateAsync(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization;
        var value = authorization.Count == 1 ? authorization[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || value.AsSpan(BearerPrefix.Length).Trim().IsEmpty)
        {
            await OpenAiErrorAnswer.Unauthorized(context, "Missing credentials: send Authorization: Bearer <Maas token or API key>.").ConfigureAwait(false);
            return ("", null);
        }

        var credential = value.AsSpan(BearerPrefix.Length).Trim().ToString();
        try
        {
            var validation = await service.ValidateAsync(credential, context.RequestAborted).ConfigureAwait(false);
            if (validation.IsValid)
            {
                // The caller for whatever reads the request after the gateway, such as a host's request log line.
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, validation.User!.Name)], MaasAuthenticationDefaults.BearerScheme));
                return (credential, validation);
            }

            await OpenAiErrorAnswer.Unauthorized(context, "The bearer credential is invalid, expired or revoked.").ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            // One line per cause every 10 s for the whole process, shared with the API's error filter.
            if (context.RequestServices.GetRequiredService<OutageLog>().ShouldLog(ex.Message, out var answers))
            {
                Log.StoreUnavailable(logger, ex.Message, answers);
            }

            context.Response.Headers.RetryAfter = "1";
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The key store is temporarily unavailable; retry shortly.", "server_error", "service_unavailable").ConfigureAwait(false);
        }

        return ("", null);
    }

    private async ValueTask<GatewayModel?> ResolveModelAsync(HttpContext context, GatewayModel? pathModel, ModelRequest request, Tier tier)
    {
        GatewayModel? model;
        if (pathModel is not null)
        {
            if (request.Model is { Length: > 0 } named && !string.Equals(named, pathModel.Id, StringComparison.Ordinal))
            {
                await OpenAiErrorAnswer.BadRequest(context, $"This URL serves model '{pathModel.Id}'; the body names '{named}'.").ConfigureAwait(false);
                return null;
            }

            model = pathModel;
        }
        else if (request.Model is not { Length: > 0 } id)
        {
            await OpenAiErrorAnswer.BadRequest(context, "'model' is required: name the model to call.").ConfigureAwait(false);
            return null;
        }
        else if ((model = models.Find(id)) is null)
        {
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status404NotFound, $"The model '{id}' does not exist or is not served here.", "invalid_request_error", "model_not_found").ConfigureAwait(false);
            return null;
        }

        var allowed = await catalog.ListAsync(tier, context.RequestAborted).ConfigureAwait(false);
        for (var i = 0; i < allowed.Count; i++)
        {
            if (string.Equals(allowed[i].Id, model.Id, StringComparison.Ordinal))
            {
                return model;
            }
        }

        await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status403Forbidden, $"Tier '{tier.Name}' may not use the model '{model.Id}'.", "permission_error", "model_not_allowed").ConfigureAwait(false);
        return null;
    }

    private async Task LimitAndForwardAsync(HttpContext context, Activity? activity, MaasUser user, Tier tier, string credential, GatewayModel model, string upstreamPath, RequestBody? body, ModelRequest request)
    {
        // Prompt size from the body (about 4 bytes a token) plus the completion's budget: at most
        // 2^18 + int.MaxValue (a 1 MiB body, a bounded max_tokens), so every counter stays exact.
        var estimate = body is null ? 0 : ((body.Length + 3) / 4) + (request.MaxTokens ?? Math.Min(_defaultMaxTokens, MaxTokens(model)));
        var partition = LimitPartition.For(tier.Name, user.Name, model.Id, _limits);
        var decision = await counter.AcquireAsync(partition, tier.Limits, estimate, context.RequestAborted).ConfigureAwait(false);
        if (activity is not null)
        {
            activity.SetTag("maas.limit.outcome", decision.Allowed ? "allowed" : decision.RefusedBy == LimitKind.Tokens ? "tokens" : decision.RefusedBy == LimitKind.Requests ? "requests" : "unavailable");
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
            await RefuseAsync(context, activity, tier, model, decision).ConfigureAwait(false);
            return;
        }

        var dropUsageChunk = request.Stream && !request.IncludeUsage;
        byte[]? rewritten = null;
        var originalResponseBody = context.Response.Body;
        // The prompt's share of the reservation (body length / 4), for a stream cut before its usage.
        var promptEstimate = body is null ? 0L : (body.Length + 3L) / 4;
        var settlement = new Settlement(counter, metrics, logger, tier, model, decision);
        var metering = new UsageMeteringStream(originalResponseBody, request.Stream, dropUsageChunk, settlement.SettleAsync);
        var call = new GatewayCall
        {
            Model = model,
            User = user.Name,
            Tier = tier.Name,
            Credential = credential,
            UpstreamPath = upstreamPath,
            Decision = decision,
            DropUsageChunk = dropUsageChunk,
            Metering = metering,
        };
        context.Features.Set(call);

        var outcome = GatewayMetrics.Allowed;
        var clientGone = false;
        try
        {
            if (body is not null)
            {
                var bytes = body.Span;
                var length = body.Length;
                if (dropUsageChunk)
                {
                    (rewritten, length) = StreamUsageRequest.Rewrite(bytes, request.HasStreamOptions);
                }

                // The body was read whole; YARP sends this copy, always as JSON (curl -d says form).
                context.Request.Body = rewritten is not null ? new MemoryStream(rewritten, 0, length, writable: false) : body.AsStream();
                context.Request.ContentLength = length;
                context.Request.ContentType = "application/json";
                context.Request.Headers.Remove("Transfer-Encoding");
            }

            context.Response.Body = metering;
            var destination = model.Destination(OwnAddress);
            var untraced = GatewayTracing.DetachUntraced();
            ForwarderError error;
            try
            {
                error = await forwarder.SendAsync(context, destination, upstream.Invoker, upstream.RequestConfig, transformer).ConfigureAwait(false);
            }
            finally
            {
                if (untraced is not null)
                {
                    Activity.Current = untraced;
                }
            }

            if (error == ForwarderError.None)
            {
                await CompleteQuietlyAsync(metering, context.RequestAborted).ConfigureAwait(false);
                if (context.Response.StatusCode >= 500)
                {
                    outcome = GatewayMetrics.UpstreamError;
                }
            }
            else if (!IsClientGone(error))
            {
                outcome = GatewayMetrics.UpstreamError;
                Log.UpstreamFailed(logger, model.Id, error);
                context.Response.Body = originalResponseBody;

                // An answer cut mid-body (YARP aborted the client's connection) can be followed by no error answer.
                if (!context.Response.HasStarted)
                {
                    var timedOut = error == ForwarderError.RequestTimedOut;
                    await OpenAiErrorAnswer.WriteAsync(
                        context,
                        timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                        timedOut ? $"The model '{model.Id}' did not answer in time." : $"The model '{model.Id}' could not be reached.",
                        "server_error",
                        timedOut ? "upstream_timeout" : "upstream_unavailable").ConfigureAwait(false);
                }
            }
            else
            {
                clientGone = true;
                if (!metering.IsEventStream)
                {
                    // A JSON answer's usage may have passed before the client left; a cut stream's last usage is not final.
                    await CompleteQuietlyAsync(metering, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            context.Response.Body = originalResponseBody;
            await settlement.SettleWithoutUsageAsync(call.UpstreamStatus, clientGone, metering.IsEventStream, metering.Usage, promptEstimate, metering.StreamedCompletionTokens).ConfigureAwait(false);
            await metering.DisposeAsync().ConfigureAwait(false);
            if (rewritten is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rewritten);
            }

            Count(activity, tier.Name, model.Id, outcome);
        }
    }

    /// <summary>
    /// Settles one call's reservation exactly once: with the answer's final usage as soon as the
    /// answer ends (before its end reaches the client), or else by <see cref="SettleWithoutUsageAsync"/>.
    /// </summary>
    private sealed class Settlement(ILimitCounter counter, GatewayMetrics metrics, ILogger logger, Tier tier, GatewayModel model, LimitDecision decision)
    {
        private int _settled;

        public ValueTask SettleAsync(TokenUsage usage)
        {
            if (Interlocked.Exchange(ref _settled, 1) != 0)
            {
                return ValueTask.CompletedTask;
            }

            metrics.Tokens(tier.Name, model.Id, usage);
            return ApplyAsync(usage.TotalTokens);
        }

        /// <summary>
        /// Settles a call whose answer showed no final usage (a no-op once <see cref="SettleAsync"/> ran):
        /// <list type="bullet">
        /// <item>no upstream answer (unreachable, reset or timed out before its headers): 0, unless
        /// the client left first, then the reservation (the upstream may have been working on it);</item>
        /// <item>an answer whose status is not 2xx: a failed call costs nothing, 0 (or the usage it showed);</item>
        /// <item>a 2xx stream cut before its end (client gone, upstream silent past the timeout or
        /// reset), or one ending without usage: the largest of the reservation, the last running
        /// usage and the prompt estimate plus the completion tokens streamed, so nothing served goes uncounted;</item>
        /// <item>a 2xx JSON answer without usage: the reservation.</item>
        /// </list>
        /// </summary>
        public ValueTask SettleWithoutUsageAsync(int? upstreamStatus, bool clientGone, bool stream, TokenUsage? lastUsage, long promptEstimate, long streamedCompletionTokens)
        {
            if (Interlocked.Exchange(ref _settled, 1) != 0 || decision.Reservation is not { } reservation)
            {
                return ValueTask.CompletedTask;
            }

            var running = lastUsage?.TotalTokens ?? 0;
            var actual = upstreamStatus switch
            {
                null => clientGone ? reservation.Reserved : 0,
                < 200 or > 299 => running,
                _ when stream => Math.Max(Math.Max(reservation.Reserved, running), SaturatingAdd(promptEstimate, streamedCompletionTokens)),
                _ => reservation.Reserved,
            };
            return ApplyAsync(actual);
        }

        private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

        private async ValueTask ApplyAsync(long actual)
        {
            if (decision.Reservation is not { } reservation)
            {
                return;
            }

            try
            {
                await counter.SettleAsync(reservation, actual, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SettleFailed(logger, model.Id, ex.GetType().Name);
            }
        }
    }

    private async Task RefuseAsync(HttpContext context, Activity? activity, Tier tier, GatewayModel model, LimitDecision decision)
    {
        var headers = context.Response.Headers;
        headers.RetryAfter = RateLimitHeaders.RetryAfter(decision.RetryAfter);
        if (decision.CountersUnavailable)
        {
            Count(activity, tier.Name, model.Id, GatewayMetrics.UpstreamError);
            await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The rate-limit counters are unavailable; retry shortly.", "server_error", "limits_unavailable").ConfigureAwait(false);
            return;
        }

        Count(activity, tier.Name, model.Id, GatewayMetrics.Limited);
        RateLimitHeaders.Write(headers, decision);
        var seconds = RateLimitHeaders.RetryAfter(decision.RetryAfter);
        var (message, type) = decision.RefusedBy == LimitKind.Tokens
            ? ($"Token limit reached for tier '{tier.Name}': {decision.Tokens.Limit} LLM tokens per minute (used {decision.Tokens.Used}). Retry in {seconds} s.", "tokens")
            : ($"Request limit reached for tier '{tier.Name}': {decision.Requests.Limit} requests per {tier.Limits.Window}. Retry in {seconds} s.", "requests");
        await OpenAiErrorAnswer.WriteAsync(context, StatusCodes.Status429TooManyRequests, message, type, "rate_limit_exceeded").ConfigureAwait(false);
    }

    /// <summary>The largest <c>max_tokens</c> a call to <paramref name="model"/> may ask for: its own bound, else the gateway's.</summary>
    private int MaxTokens(GatewayModel model) => model.Descriptor.MaxTokens ?? _maxTokens;

    /// <summary>Counts the call's outcome on <c>maas.gateway.requests</c> and tags its span (when traced) the same way.</summary>
    private void Count(Activity? activity, string tier, string model, string outcome)
    {
        metrics.Request(tier, model, outcome);
        GatewayTracing.Outcome(activity, tier, model, outcome);
    }

    private static async ValueTask CompleteQuietlyAsync(UsageMeteringStream metering, CancellationToken cancellationToken)
    {
        try
        {
            await metering.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left before the last event; the usage already seen still settles the call.
        }
    }

    private static bool IsClientGone(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient;

    private Uri OwnAddress()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("A path-only model upstream needs the host to listen on an address.");
        return new Uri(address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
    }
}
