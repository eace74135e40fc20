using Maas.Hosting.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Maas.Hosting.Errors;

/// <summary>
/// An error answer: <c>application/problem+json</c> carrying <c>error</c>, or OpenAI's
/// <c>{"error":{...}}</c> on endpoints marked with <see cref="OpenAiErrorsMetadata"/>.
/// </summary>
internal sealed class ErrorResult(int status, string message, string? field = null, string? code = null, string? wwwAuthenticate = null, string? retryAfter = null) : IResult
{
    /// <summary>The answer while the key store cannot be reached: 503, retry in a second.</summary>
    public static ErrorResult StoreUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, "The key store is temporarily unavailable; retry shortly.", retryAfter: "1");

    /// <summary>
    /// The answer to an address throttled after too many failed authentications: 429 with
    /// <c>Retry-After</c> in whole seconds (at least 1).
    /// </summary>
    public static ErrorResult TooManyFailedAuthentications(TimeSpan retryAfter)
    {
        var seconds = RetryAfterSeconds(retryAfter);
        return new(StatusCodes.Status429TooManyRequests,
            $"Too many failed authentication attempts from this address; retry after {seconds} seconds.",
            code: "too_many_failed_authentications", retryAfter: seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Whole seconds to wait, rounded up, at least 1.</summary>
    public static long RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));

    public int StatusCode => status;

    public string Message => message;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        if (wwwAuthenticate is not null)
        {
            httpContext.Response.Headers.WWWAuthenticate = wwwAuthenticate;
        }

        if (retryAfter is not null)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter;
        }

        return WriteAsync(httpContext, status, message, field, code);
    }

    public static Task WriteAsync(HttpContext context, int status, string message, string? field = null, string? code = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        if (context.GetEndpoint()?.Metadata.GetMetadata<OpenAiErrorsMetadata>() is not null)
        {
            response.ContentType = "application/json";
            var body = new OpenAiErrorResponse
            {
                Error = new OpenAiError { Message = message, Type = OpenAiType(status), Code = code ?? OpenAiCode(status) },
            };
            return System.Text.Json.JsonSerializer.SerializeAsync(response.Body, body, MaasJsonContext.Default.OpenAiErrorResponse, context.RequestAborted);
        }

        response.ContentType = "application/problem+json";
        var problem = new MaasProblem
        {
            Type = $"https://www.rfc-editor.org/rfc/rfc9110#status.{status}",
            Title = ReasonPhrases.GetReasonPhrase(status),
            Status = status,
            Detail = message,
            Error = code ?? message,
            Message = code is null ? null : message,
            Field = field,
        };
        return System.Text.Json.JsonSerializer.SerializeAsync(response.Body, problem, MaasJsonContext.Default.MaasProblem, context.RequestAborted);
    }

    private static string OpenAiType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    private static string OpenAiCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "invalid_api_key",
        403 => "forbidden",
        404 => "not_found",
        413 => "request_too_large",
        429 => "rate_limit_exceeded",
        503 => "service_unavailable",
        _ => status >= 500 ? "internal_error" : "error",
    };
}
