using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Maas.Hosting.Errors;

/// <summary>
/// The one error answer of the Maas endpoints. It is written by the framework: problem details
/// through <see cref="IProblemDetailsService"/> (<see cref="TypedResults.Problem(ProblemDetails)"/>)
/// carrying an <c>error</c> member so <c>jq .error</c> works as with the Go service, or, on endpoints
/// marked with <see cref="OpenAiErrorsMetadata"/>, OpenAI's <c>{"error":{"message","type","code"}}</c>.
/// The shape is chosen when it executes, so an answer decided during authentication follows the endpoint.
/// Public so that a host's own authentication scheme (such as the Kubernetes TokenReview scheme)
/// answers as Maas's schemes do.
/// </summary>
public sealed class MaasError : IResult, IStatusCodeHttpResult
{
    private readonly string? _field;
    private readonly string? _code;
    private readonly bool _oauth;

    private MaasError(int status, string message, string? field, string? code, bool oauth)
    {
        StatusCode = status;
        Message = message;
        _field = field;
        _code = code;
        _oauth = oauth;
    }

    /// <summary>Gets the HTTP status code.</summary>
    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    /// <summary>Gets the human message (the problem's <c>detail</c>).</summary>
    public string Message { get; }

    /// <summary>Gets or initializes the <c>WWW-Authenticate</c> challenge sent with the answer.</summary>
    public string? WwwAuthenticate { get; init; }

    /// <summary>Gets or initializes whether problem details also carry the code as <c>code</c> (the later Go service's member).</summary>
    private bool WritesCodeMember { get; init; }

    /// <summary>Gets or initializes <c>Retry-After</c>, in whole seconds.</summary>
    public long? RetryAfterSeconds { get; init; }

    /// <summary>An error with <paramref name="status"/>: <c>error</c> is <paramref name="code"/> (then <c>message</c> carries the message) or the message itself.</summary>
    public static MaasError Create(int status, string message, string? field = null, string? code = null) =>
        new(status, message, field, code, oauth: false);

    /// <summary>
    /// A 400 with a machine-readable <paramref name="code"/> the later Go service answers with (such as
    /// <c>invalid_subscription</c>): as <see cref="Create"/>, and the code also as <c>code</c>, where that
    /// service's clients read it.
    /// </summary>
    internal static MaasError BadRequestWithCode(string message, string? field, string code) =>
        new(StatusCodes.Status400BadRequest, message, field, code, oauth: false) { WritesCodeMember = true };

    /// <summary>An RFC 6749 error (the OAuth endpoints): <c>error</c> is the code and <c>error_description</c> the message.</summary>
    internal static MaasError OAuth(int status, string code, string description, string? wwwAuthenticate = null) =>
        new(status, description, field: null, code, oauth: true) { WwwAuthenticate = wwwAuthenticate };

    /// <summary>401 without a challenge: the gateway's identity is missing or refused.</summary>
    internal static MaasError Unauthorized(string message) => Create(StatusCodes.Status401Unauthorized, message);

    /// <summary>401 with a <c>Bearer</c> challenge: the bearer credential is missing, malformed or not valid.</summary>
    public static MaasError BearerUnauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, message, null, null, oauth: false) { WwwAuthenticate = "Bearer" };

    /// <summary>The answer while the key store (or the <paramref name="service"/> a credential needs) cannot be reached: 503, retry in a second.</summary>
    public static MaasError StoreUnavailable(string service = "key store") =>
        new(StatusCodes.Status503ServiceUnavailable, $"The {service} is temporarily unavailable; retry shortly.", null, null, oauth: false) { RetryAfterSeconds = 1 };

    /// <summary>429 with <c>Retry-After</c> in whole seconds (at least 1), for an address that failed to authenticate too often.</summary>
    public static MaasError TooManyFailedAuthentications(TimeSpan retryAfter, bool oauth = false)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        var message = $"Too many failed authentication attempts from this address; retry after {seconds} seconds.";
        return new(StatusCodes.Status429TooManyRequests, message, null, "too_many_failed_authentications", oauth) { RetryAfterSeconds = seconds };
    }

    /// <summary>Writes the answer: problem details, or OpenAI's shape on the endpoints that speak it.</summary>
    /// <param name="httpContext">The request to answer.</param>
    /// <returns>A task that completes when the answer is written.</returns>
    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var headers = httpContext.Response.Headers;
        headers.CacheControl = "no-store";
        if (WwwAuthenticate is not null)
        {
            headers.WWWAuthenticate = WwwAuthenticate;
        }

        if (RetryAfterSeconds is { } seconds)
        {
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (!_oauth && httpContext.GetEndpoint()?.Metadata.GetMetadata<OpenAiErrorsMetadata>() is not null)
        {
            return OpenAiErrorWriter.WriteAsync(httpContext, StatusCode, Message, OpenAiType(StatusCode), _code ?? OpenAiCode(StatusCode));
        }

        return ToProblem().ExecuteAsync(httpContext);
    }

    /// <summary>The problem details this error is written as (outside the OpenAI-shaped endpoints).</summary>
    internal ProblemHttpResult ToProblem()
    {
        var problem = new ProblemDetails
        {
            Type = $"https://www.rfc-editor.org/rfc/rfc9110#status.{StatusCode}",
            Title = ReasonPhrases.GetReasonPhrase(StatusCode),
            Status = StatusCode,
            Detail = Message,
        };
        problem.Extensions[MaasProblemDetails.ErrorMember] = _code ?? Message;
        if (_oauth)
        {
            problem.Extensions["error_description"] = Message;
        }
        else if (_code is not null)
        {
            problem.Extensions["message"] = Message;
        }

        if (_field is not null)
        {
            problem.Extensions["field"] = _field;
        }

        if (WritesCodeMember)
        {
            problem.Extensions["code"] = _code;
        }

        return TypedResults.Problem(problem);
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
