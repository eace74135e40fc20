using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Responses;

/// <summary>
/// The gateway's refusals in OpenAI's shape, written by the hosting package's one writer of that
/// shape (<see cref="OpenAiErrorWriter"/>), so OpenAI clients raise their matching error.
/// </summary>
internal static class OpenAiErrorAnswer
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string code, string? param = null) =>
        OpenAiErrorWriter.WriteAsync(context, status, message, type, code, param);

    public static Task BadRequest(HttpContext context, string message, string? param = null) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", "bad_request", param);

    public static Task Unauthorized(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, message, "authentication_error", "invalid_api_key");
    }

    /// <summary>
    /// A path under a model's URL that the gateway does not serve, in OpenAI's words for it (<c>Invalid URL (POST
    /// /v1/foo)</c>), so a client sees why instead of an empty 404.
    /// </summary>
    public static Task InvalidUrl(HttpContext context)
    {
        RequestIdHeader.Write(context);
        var request = context.Request;
        return WriteAsync(context, StatusCodes.Status404NotFound, $"Invalid URL ({request.Method} {request.PathBase}{request.Path})", "invalid_request_error", "unknown_url");
    }
}
