using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Errors;

/// <summary>
/// The one writer of OpenAI's error shape, <c>{"error":{"message","type","param","code"}}</c>, for the
/// OpenAI-shaped API endpoints and the gateway alike, so OpenAI clients raise their matching error
/// (their rate-limit error on 429, their authentication error on 401).
/// </summary>
internal static class OpenAiErrorWriter
{
    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? code, string? param = null)
    {
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
