using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Errors;

/// <summary>
/// The one writer of OpenAI's error shape, <c>{"error":{"message","type","param","code"}}</c>, for the
/// OpenAI-shaped API endpoints and the gateway alike, so OpenAI clients raise their matching error
/// (their rate-limit error on 429, their authentication error on 401). Public so that a host's own
/// OpenAI-compatible endpoints, and the Maas gateway, answer in the same shape.
/// </summary>
public static class OpenAiErrorWriter
{
    /// <summary>
    /// Writes <c>{"error":{"message","type","param","code"}}</c> with <paramref name="status"/> and
    /// <c>Cache-Control: no-store</c>; does nothing once the response has started, and nothing when the client has left.
    /// </summary>
    /// <param name="context">The request to answer.</param>
    /// <param name="status">The HTTP status code.</param>
    /// <param name="message">The human message (<c>error.message</c>).</param>
    /// <param name="type">OpenAI's error type, such as <c>invalid_request_error</c> or <c>rate_limit_error</c>.</param>
    /// <param name="code">OpenAI's error code, such as <c>invalid_api_key</c>; <see langword="null"/> for none.</param>
    /// <param name="param">The request field at fault, if any.</param>
    /// <returns>A task that completes when the answer is written.</returns>
    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Headers.CacheControl = "no-store";
        var body = new OpenAiErrorResponse { Error = new OpenAiError { Message = message, Type = type, Param = param, Code = code } };
        try
        {
            await TypedResults.Json(body, MaasJsonContext.Default.OpenAiErrorResponse, "application/json", status).ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; nothing to answer.
        }
    }
}
