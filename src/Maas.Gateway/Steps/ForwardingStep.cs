using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Requests;
using Maas.Gateway.Responses;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;
using Log = Maas.Gateway.Forwarding.Log;

namespace Maas.Gateway.Steps;

/// <summary>
/// The last step: the call forwarded by YARP to the model's upstream, with the body read whole (as
/// JSON, asking for a stream's usage when the client did not), without the caller's credential
/// (<see cref="UpstreamTransformer"/>); the answer through the metering stream (a JSON answer held
/// until it ends, so its headers carry its settled usage); a 502 or 504 when the upstream could not
/// be reached or did not answer in time, or broke off a held answer.
/// </summary>
/// <remarks>
/// YARP's direct forwarding (<see cref="IHttpForwarder"/>) rather than config-provider routes: the
/// upstream depends on the body's <c>model</c>, known only after the body is read, and the steps
/// before (credential, tier, limits) decide per call whether YARP runs at all. A route table would
/// need a cluster per model and a custom transform to pick it; here the step picks the destination
/// and hands YARP the one call.
/// </remarks>
internal sealed class ForwardingStep(
    IHttpForwarder forwarder,
    UpstreamClient upstream,
    UpstreamTransformer transformer,
    IServer server,
    ILogger<ForwardingStep> logger) : IGatewayStep
{
    private readonly Func<Uri> _ownAddress = () => OwnAddress(server);

    /// <summary>Forwards the call; <paramref name="proceed"/> is not called, as nothing comes after the model's answer.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        var http = context.HttpContext;
        var model = context.ResolvedModel!;
        var metering = context.Metering!;
        var body = context.Body;
        http.Features.Set(context);
        byte[]? rewritten = null;
        var originalResponseBody = http.Response.Body;
        try
        {
            if (body is not null)
            {
                var bytes = body.Span;
                var length = body.Length;
                if (context.DropUsageChunk)
                {
                    (rewritten, length) = StreamUsageRequest.Rewrite(bytes, context.Request.HasStreamOptions);
                }

                // The body was read whole; YARP sends this copy, always as JSON (curl -d says form).
                http.Request.Body = rewritten is not null ? new MemoryStream(rewritten, 0, length, writable: false) : body.AsStream();
                http.Request.ContentLength = length;
                http.Request.ContentType = "application/json";
                http.Request.Headers.Remove("Transfer-Encoding");
            }

            http.Response.Body = metering;
            var destination = model.Destination(_ownAddress);
            var untraced = GatewayTracing.DetachUntraced();
            ForwarderError error;
            try
            {
                error = await forwarder.SendAsync(http, destination, upstream.Invoker, upstream.RequestConfig, transformer).ConfigureAwait(false);
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
                await CompleteQuietlyAsync(metering, http.RequestAborted).ConfigureAwait(false);
                if (http.Response.StatusCode >= 500)
                {
                    context.Outcome = GatewayMetrics.UpstreamError;
                }
            }
            else if (!IsClientGone(error))
            {
                context.Outcome = GatewayMetrics.UpstreamError;
                Log.UpstreamFailed(logger, model.Id, error);
                http.Response.Body = originalResponseBody;

                // An answer cut mid-body (YARP aborted the client's connection) can be followed by no error answer.
                if (!http.Response.HasStarted)
                {
                    var timedOut = error == ForwarderError.RequestTimedOut;
                    await OpenAiErrorAnswer.WriteAsync(
                        http,
                        timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                        timedOut ? $"The model '{model.Id}' did not answer in time." : $"The model '{model.Id}' could not be reached.",
                        "server_error",
                        timedOut ? "upstream_timeout" : "upstream_unavailable").ConfigureAwait(false);
                }
            }
            else
            {
                context.ClientGone = true;

                // A JSON answer's usage may have passed before the client left; a cut stream's last usage is not final.
                await metering.AbandonAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            http.Response.Body = originalResponseBody;
            if (rewritten is not null)
            {
                ArrayPool<byte>.Shared.Return(rewritten);
            }
        }
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

    private static Uri OwnAddress(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("A path-only model upstream needs the host to listen on an address.");
        return new Uri(address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
            .Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
    }
}
