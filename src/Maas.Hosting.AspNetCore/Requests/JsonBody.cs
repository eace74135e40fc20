using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Requests;

/// <summary>
/// Reads a JSON request body with a hard size limit and turns every way it can be wrong (too
/// large, not JSON, wrong types) into a 4xx that names the problem, never a 500.
/// </summary>
internal static class JsonBody
{
    public static async ValueTask<(T? Value, ErrorResult? Error)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, bool allowEmpty)
        where T : class
    {
        using var body = await RequestBody.ReadAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return (null, TooLarge());
        }

        var json = body.Span;
        if (IsBlank(json))
        {
            return allowEmpty
                ? (null, null)
                : (null, new ErrorResult(StatusCodes.Status400BadRequest, "Request body is required: send a JSON object."));
        }

        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            return (null, new ErrorResult(StatusCodes.Status400BadRequest, "Request body is not valid UTF-8."));
        }

        if (!HasJsonContentType(context.Request))
        {
            return (null, new ErrorResult(StatusCodes.Status415UnsupportedMediaType, "Request body must be JSON (Content-Type: application/json)."));
        }

        try
        {
            var value = JsonSerializer.Deserialize(json, typeInfo);
            return value is null
                ? (null, new ErrorResult(StatusCodes.Status400BadRequest, "Request body must be a JSON object, not null."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Describe(ex));
        }
    }

    private static ErrorResult TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, RequestBody.TooLargeMessage);

    private static ErrorResult Describe(JsonException ex)
    {
        var path = ex.Path;
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return new ErrorResult(StatusCodes.Status400BadRequest,
                $"Request body is not a valid JSON object (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}).");
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return new ErrorResult(StatusCodes.Status400BadRequest, $"Request field '{field}' is malformed or has the wrong type.", field);
    }

    private static bool IsBlank(ReadOnlySpan<byte> json)
    {
        foreach (var b in json)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    // Clients of the Go service often send JSON without a content type (curl -d); accept that,
    // but refuse a body that says it is something else.
    private static bool HasJsonContentType(HttpRequest request)
    {
        var contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            return true;
        }

        return contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase);
    }
}
