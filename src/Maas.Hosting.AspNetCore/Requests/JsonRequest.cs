using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using System.Text.Json;
using System.Text.Unicode;
using Maas.Hosting.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Maas.Hosting.Requests;

/// <summary>
/// A JSON request body bound by the framework (<see cref="IBindableFromHttpContext{TSelf}"/>) and read
/// through the request's <see cref="PipeReader"/> under a 1 MiB limit (the server's
/// <see cref="IHttpMaxRequestBodySizeFeature"/>), with the answers the Go service's clients know:
/// 413 when too large, 415 for a body declared as something else, 400 naming the field for bad JSON.
/// </summary>
/// <remarks>
/// Not <c>[FromBody]</c>: the framework's JSON binding answers 415 to the <c>curl -d</c> bodies clients of
/// the Go service send (<c>application/x-www-form-urlencoded</c>, <c>text/plain</c>, no type), and an
/// empty 400 for bad JSON where the contract names the field.
/// </remarks>
internal sealed class JsonRequest<T> : IBindableFromHttpContext<JsonRequest<T>>, IBindingFailure
    where T : class, IJsonRequestContract<T>
{
    /// <summary>The largest body a Maas endpoint accepts: 1 MiB.</summary>
    public const int MaxBytes = 1024 * 1024;

    private JsonRequest(T? value, MaasError? failure)
    {
        Value = value;
        Failure = failure;
    }

    /// <summary>Gets the body; <see langword="null"/> when it was empty and <see cref="IJsonRequestContract{TSelf}.BodyIsOptional"/>.</summary>
    public T? Value { get; }

    public MaasError? Failure { get; }

    public static async ValueTask<JsonRequest<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBytes;
        }

        if (request.ContentLength > MaxBytes)
        {
            return TooLarge();
        }

        var reader = request.BodyReader;
        ReadResult read;
        try
        {
            while (true)
            {
                read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (read.Buffer.Length > MaxBytes)
                {
                    reader.AdvanceTo(read.Buffer.End);
                    return TooLarge();
                }

                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }
        catch (BadHttpRequestException ex)
        {
            // The body ended before its declared length, or its framing was bad: the client's
            // mistake (or its disconnect), answered as such rather than as a 500 with a stack trace.
            return new(null, MaasError.Create(ex.StatusCode, RequestBody.UnreadableMessage));
        }

        var body = read.Buffer;
        try
        {
            return Parse(context.Request, body.IsSingleSegment ? body.FirstSpan : body.ToArray());
        }
        finally
        {
            reader.AdvanceTo(body.End);
        }
    }

    private static JsonRequest<T> Parse(HttpRequest request, ReadOnlySpan<byte> json)
    {
        if (IsBlank(json))
        {
            return T.BodyIsOptional
                ? new(null, null)
                : BadRequest("Request body is required: send a JSON object.");
        }

        if (!Utf8.IsValid(json))
        {
            return BadRequest("Request body is not valid UTF-8.");
        }

        if (!HasJsonContentType(request))
        {
            return new(null, MaasError.Create(StatusCodes.Status415UnsupportedMediaType, "Request body must be JSON (Content-Type: application/json)."));
        }

        try
        {
            var value = JsonSerializer.Deserialize(json, T.JsonTypeInfo);
            return value is null ? BadRequest("Request body must be a JSON object, not null.") : new(value, null);
        }
        catch (JsonException ex)
        {
            var path = ex.Path;
            if (string.IsNullOrEmpty(path) || path == "$")
            {
                return BadRequest($"Request body is not a valid JSON object (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}).");
            }

            var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
            return BadRequest($"Request field '{field}' is malformed or has the wrong type.", field);
        }
    }

    private static JsonRequest<T> BadRequest(string message, string? field = null) =>
        new(null, MaasError.Create(StatusCodes.Status400BadRequest, message, field, T.BadRequestCode));

    private static JsonRequest<T> TooLarge() =>
        new(null, MaasError.Create(StatusCodes.Status413PayloadTooLarge, "Request body is larger than the limit of 1048576 bytes (1 MiB)."));

    private static bool IsBlank(ReadOnlySpan<byte> json) => json.IndexOfAnyExcept(" \t\r\n"u8) < 0;

    // Clients of the Go service often send JSON without a content type (curl -d); accept that,
    // but refuse a body that says it is something else.
    private static bool HasJsonContentType(HttpRequest request)
    {
        var contentType = request.ContentType;
        return string.IsNullOrEmpty(contentType)
            || contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase);
    }
}
