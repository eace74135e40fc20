using System.Runtime.CompilerServices;
using Maas.Gateway.Requests;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Steps;

/// <summary>
/// The call's body read whole (at most 1 MiB) and parsed for what the gateway needs (<c>model</c>,
/// <c>stream</c>, <c>max_tokens</c>...): a 400 when it is unreadable or not the JSON object of an
/// OpenAI call, a 413 when it is too large. Calls without a body (the model list under a model's
/// URL) go on with none. The runner disposes the body when the call ends.
/// </summary>
internal sealed class BodyReadingStep : IGatewayStep
{
    public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed) =>
        context.HasBody ? ReadAsync(context, proceed) : proceed(context);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask ReadAsync(GatewayCallContext context, GatewayCallHandler proceed)
    {
        RequestBody? body;
        try
        {
            body = await RequestBody.ReadAsync(context.HttpContext).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await context.DenyAsync(ex.StatusCode, RequestBody.UnreadableMessage, "invalid_request_error", "bad_request").ConfigureAwait(false);
            return;
        }

        if (body is null)
        {
            await context.DenyAsync(StatusCodes.Status413PayloadTooLarge, RequestBody.TooLargeMessage, "invalid_request_error", "request_too_large").ConfigureAwait(false);
            return;
        }

        context.Body = body;
        if (ModelRequest.Read(body.Span, out var error, out var param) is not { } request)
        {
            await context.DenyBadRequestAsync(error!, param).ConfigureAwait(false);
            return;
        }

        context.Request = request;
        await proceed(context).ConfigureAwait(false);
    }
}
