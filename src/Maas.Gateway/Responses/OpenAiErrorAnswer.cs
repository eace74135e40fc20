using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Responses;

/// <summary>
/// Writes an error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, so OpenAI
/// clients raise their matching error (for example their rate-limit error on 429).
/// </summary>
internal static class OpenAiErrorAnswer
{
    // Messages quote model names: keep ' readable; quotes, '<' and control characters stay escaped.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string code)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter, Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, message);
            json.WriteString("type"u8, type);
            json.WriteNull("param"u8);
            json.WriteString("code"u8, code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        try
        {
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; nothing to answer.
        }
    }

    public static Task BadRequest(HttpContext context, string message) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", "bad_request");

    public static Task Unauthorized(HttpContext context, string message)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, message, "authentication_error", "invalid_api_key");
    }
}
